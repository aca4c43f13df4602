// "The outside world" for SDK tests: a recording HTTP server and a recording UDP socket on
// 127.0.0.1 that keep what the SDK sent (bodies un-gzipped) and parse it as envelopes.

import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ClientReport, CounterPayload, EnvelopeHeader, EnvelopeItem, Event } from '../../client-sdk/src/index.js';

export const KEY = '0123456789abcdef0123456789abcdef';

export interface ParsedEnvelope {
  header: EnvelopeHeader;
  items: EnvelopeItem[];
}

/** Parses an envelope whose items have no `length` (what the SDK writes); trusts the shapes. */
export function parseEnvelope(text: string): ParsedEnvelope {
  const [head = '{}', ...rest] = text.split('\n');
  const items: EnvelopeItem[] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    items.push([JSON.parse(rest[i] ?? '{}'), JSON.parse(rest[i + 1] ?? '{}')] as EnvelopeItem);
  }
  return { header: JSON.parse(head) as EnvelopeHeader, items };
}

export function eventsOf(envelopes: ParsedEnvelope[]): Event[] {
  return envelopes.flatMap((e) => e.items.filter((i) => i[0].type === 'event').map((i) => i[1] as Event));
}

export function countersOf(envelopes: ParsedEnvelope[]): CounterPayload[] {
  return envelopes.flatMap((e) =>
    e.items.filter((i) => i[0].type === 'faultline_counter').map((i) => i[1] as CounterPayload),
  );
}

/** Sum of discarded quantities per "reason:category" over all client reports. */
export function discarded(envelopes: ParsedEnvelope[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of envelopes) {
    for (const [header, payload] of e.items) {
      if (header.type !== 'client_report') continue;
      for (const d of (payload as ClientReport).discarded_events) {
        const key = `${d.reason}:${d.category}`;
        out[key] = (out[key] ?? 0) + d.quantity;
      }
    }
  }
  return out;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Behaviour =
  { kind: 'ok' } | { kind: 'status'; status: number; headers?: Record<string, string> } | { kind: 'hang' };

export interface HttpRecorder {
  port: number;
  dsn: string;
  requests: RecordedRequest[];
  envelopes(): ParsedEnvelope[];
  behave(b: Behaviour): void;
  /** Stops listening (the "server is down"); `start` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Answers GET requests (pages, scripts); undefined → 404. */
export type StaticFiles = (path: string) => { type: string; body: string } | undefined;

export async function startHttpRecorder(projectId = 7, files?: StaticFiles): Promise<HttpRecorder> {
  const requests: RecordedRequest[] = [];
  let behaviour: Behaviour = { kind: 'ok' };
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      const file = files?.(new URL(req.url ?? '/', 'http://x').pathname);
      if (file) res.writeHead(200, { 'content-type': file.type }).end(file.body);
      else res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: body.toString('utf8'),
      });
      if (behaviour.kind === 'hang') return;
      const status = behaviour.kind === 'status' ? behaviour.status : 200;
      const headers = behaviour.kind === 'status' ? (behaviour.headers ?? {}) : {};
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end('{}');
    });
  });
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    dsn: `http://${KEY}@127.0.0.1:${port}/${projectId}`,
    requests,
    envelopes: () => requests.map((r) => parseEnvelope(r.body)),
    behave: (b) => void (behaviour = b),
    stop: () => shutdown(server),
    start: () => listen(server, port),
    close: () => shutdown(server),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function shutdown(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface UdpRecorder {
  port: number;
  dsn: string;
  datagrams: Buffer[];
  envelopes(): ParsedEnvelope[];
  close(): Promise<void>;
}

export function isGzip(datagram: Buffer): boolean {
  return datagram[0] === 0x1f && datagram[1] === 0x8b;
}

export async function startUdpRecorder(projectId = 7): Promise<UdpRecorder> {
  const socket: Socket = createSocket('udp4');
  const datagrams: Buffer[] = [];
  socket.on('message', (msg) => datagrams.push(msg));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const port = socket.address().port;
  return {
    port,
    dsn: `udp://${KEY}@127.0.0.1:${port}/${projectId}`,
    datagrams,
    envelopes: () => datagrams.map((d) => parseEnvelope((isGzip(d) ? gunzipSync(d) : d).toString('utf8'))),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
