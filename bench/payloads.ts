// Request bodies for the benchmark, built once from the real SDK captures in test/fixtures:
// a typical Node envelope (~4.5 KB), a gzipped Python store request and a 50 KB envelope, each
// in N variants with distinct fingerprints (exception types and in-app function names renamed).
// Event ids are removed so ingest assigns a fresh id to every request. Each request carries the
// time it is sent as its event's timestamp, as an SDK's event does (`RequestShape.body`): an event
// without one is dated by its receipt, which the worker treats as the rare case it is (a re-sent
// copy would get another timestamp, so its id is looked up in every partition).
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export type PayloadKind = 'envelope' | 'store' | 'large';
export const PAYLOAD_KINDS: readonly PayloadKind[] = ['envelope', 'store', 'large'];

const FIXTURES = fileURLToPath(new URL('../test/fixtures/sdk-captures/', import.meta.url));
const TYPICAL_CAPTURE = 'node-sdk-11.12/04-event-dberror-charge.json';
const STORE_CAPTURE = 'python-sdk-1.9.10/01-store-zerodivision-gzip.json';
const LARGE_EVENT_BYTES = 50 * 1024;
const BREADCRUMBS = 100; // the SDKs' default maxBreadcrumbs

export interface Target {
  origin: string;
  projectId: string;
  publicKey: string;
}

export interface RequestShape {
  path: string;
  headers: Record<string, string>;
  /** One body per fingerprint variant, its timestamp a fixed time in the past (`STAMP_TEMPLATE`). */
  bodies: Buffer[];
  /** Variant `k`'s body stamped with the time `nowMs` (the envelope's to the millisecond, the gzipped store request's to the second). */
  body(k: number, nowMs: number): Buffer;
  /** Decompressed size of one body (what the event weighs). */
  eventBytes: number;
}

/** The timestamp every body is built with: 14 characters, as every time until 2286 prints with `toFixed(3)`. */
const STAMP_TEMPLATE = 1_000_000_000.125;
const STAMP_TEXT = `"timestamp":${STAMP_TEMPLATE.toFixed(3)}`;

/** Rewrites the template timestamp of an uncompressed body in a copy, without parsing it. */
function stamper(bodies: Buffer[]): (k: number, nowMs: number) => Buffer {
  const at = bodies.map((b) => {
    const i = b.indexOf(STAMP_TEXT);
    if (i < 0 || b.indexOf(STAMP_TEXT, i + 1) >= 0)
      throw new Error('a benchmark body needs exactly one template timestamp');
    return i + STAMP_TEXT.length - STAMP_TEMPLATE.toFixed(3).length;
  });
  return (k, nowMs) => {
    const copy = Buffer.from(bodies[k]!);
    copy.write((nowMs / 1000).toFixed(3), at[k]!, 'latin1');
    return copy;
  };
}

/** Gzipped bodies can't be patched: each variant is re-stamped and compressed once a second. */
function gzipStamper(texts: string[]): (k: number, nowMs: number) => Buffer {
  const made = new Map<number, { second: number; body: Buffer }>();
  return (k, nowMs) => {
    const second = Math.floor(nowMs / 1000);
    const hit = made.get(k);
    if (hit?.second === second) return hit.body;
    const body = gzipSync(texts[k]!.replace(STAMP_TEXT, `"timestamp":${second.toFixed(3)}`));
    made.set(k, { second, body });
    return body;
  };
}

interface Capture {
  body_base64: string;
}

type Json = Record<string, unknown>;

function readCapture(name: string): Buffer {
  const c = JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as Capture;
  return Buffer.from(c.body_base64, 'base64');
}

/** Renames exception types and in-app functions so variant `k` gets its own fingerprint. */
export function variantEvent(event: Json, k: number): Json {
  const copy = structuredClone(event);
  delete copy.event_id;
  copy.timestamp = STAMP_TEMPLATE;
  const exc = copy.exception as { values?: Array<Json & { stacktrace?: { frames?: Json[] } }> } | undefined;
  for (const v of exc?.values ?? []) {
    v.type = `${String(v.type)}V${k}`;
    for (const f of v.stacktrace?.frames ?? []) {
      if (f.in_app === true && typeof f.function === 'string') f.function = `${f.function}_v${k}`;
    }
  }
  return copy;
}

/** Pads an event to about `bytes` with realistic breadcrumbs and a request body in `extra`. */
export function enlargeEvent(event: Json, bytes: number): Json {
  const copy = structuredClone(event);
  const crumbs: Json[] = [];
  for (let i = 0; i < BREADCRUMBS; i++) {
    crumbs.push({
      timestamp: 1_764_100_000 + i,
      category: i % 3 === 0 ? 'query' : 'http',
      level: 'info',
      message:
        i % 3 === 0
          ? `SELECT o.id, o.total, o.status, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = ${1000 + i} AND o.deleted_at IS NULL`
          : `GET https://api.internal.example/v2/inventory/items/${i}?include=stock,prices,warehouse&region=eu-west-${i % 4}`,
      data: { status_code: 200, duration_ms: 10 + (i % 17), request_id: `req-${i.toString(16).padStart(8, '0')}` },
    });
  }
  copy.breadcrumbs = { values: crumbs };
  const size = Buffer.byteLength(JSON.stringify(copy));
  const filler = Math.max(0, bytes - size - 40);
  const line = 'order_line,sku-000000,quantity=1,price=19.99,currency=EUR;';
  copy.extra = {
    ...(copy.extra as Json | undefined),
    request_body: line.repeat(Math.ceil(filler / line.length)).slice(0, filler),
  };
  return copy;
}

function splitEnvelope(bytes: Buffer): { header: Json; itemHeader: Json; event: Json } {
  const [header, itemHeader, event] = bytes.toString('utf8').split('\n');
  return {
    header: JSON.parse(header!) as Json,
    itemHeader: JSON.parse(itemHeader!) as Json,
    event: JSON.parse(event!) as Json,
  };
}

function envelopeBody(header: Json, event: Json): Buffer {
  const h = { ...header };
  delete h.event_id;
  const payload = JSON.stringify(event);
  return Buffer.from(
    `${JSON.stringify(h)}\n${JSON.stringify({ type: 'event', length: Buffer.byteLength(payload) })}\n${payload}\n`,
  );
}

/** The typical Node envelope's header and event, as captured (for tests that build their own). */
export function typicalEnvelopeParts(): { header: Json; event: Json } {
  const { header, event } = splitEnvelope(readCapture(TYPICAL_CAPTURE));
  return { header, event };
}

/** The requests of one payload kind against one project, `fingerprints` variants. */
export function buildRequests(kind: PayloadKind, target: Target, fingerprints: number): RequestShape {
  const query = `sentry_key=${target.publicKey}&sentry_version=7`;
  if (kind === 'store') {
    const event = JSON.parse(readFileSync(`${FIXTURES}${STORE_CAPTURE}`, 'utf8')) as Capture;
    const raw = JSON.parse(gunzipText(Buffer.from(event.body_base64, 'base64'))) as Json;
    const texts = range(fingerprints).map((k) => JSON.stringify(variantEvent(raw, k)));
    const bodies = texts.map((t) => gzipSync(t));
    return {
      path: `/api/${target.projectId}/store/`,
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'user-agent': 'sentry.python/1.9.10',
        'x-sentry-auth': `Sentry sentry_key=${target.publicKey}, sentry_version=7, sentry_client=sentry.python/1.9.10`,
      },
      bodies,
      body: gzipStamper(texts),
      eventBytes: Buffer.byteLength(texts[0]!),
    };
  }
  const { header, event } = splitEnvelope(readCapture(TYPICAL_CAPTURE));
  const base = kind === 'large' ? enlargeEvent(event, LARGE_EVENT_BYTES) : event;
  const bodies = range(fingerprints).map((k) => envelopeBody(header, variantEvent(base, k)));
  return {
    path: `/api/${target.projectId}/envelope/?${query}&sentry_client=sentry.javascript.node%2F11.12.0`,
    headers: { 'content-type': 'application/x-sentry-envelope', 'user-agent': 'sentry.javascript.node/11.12.0' },
    bodies,
    body: stamper(bodies),
    eventBytes: bodies[0]!.length,
  };
}

/** The plain event JSON of each variant: what the raw Postgres baseline inserts. */
export function eventJsonVariants(kind: PayloadKind, fingerprints: number): string[] {
  if (kind === 'store') {
    const c = JSON.parse(readFileSync(`${FIXTURES}${STORE_CAPTURE}`, 'utf8')) as Capture;
    const raw = JSON.parse(gunzipText(Buffer.from(c.body_base64, 'base64'))) as Json;
    return range(fingerprints).map((k) => JSON.stringify(variantEvent(raw, k)));
  }
  const { event } = splitEnvelope(readCapture(TYPICAL_CAPTURE));
  const base = kind === 'large' ? enlargeEvent(event, LARGE_EVENT_BYTES) : event;
  return range(fingerprints).map((k) => JSON.stringify(variantEvent(base, k)));
}

function gunzipText(bytes: Buffer): string {
  return gunzipSync(bytes).toString('utf8');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
