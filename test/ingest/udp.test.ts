// The UDP listener against a real ingest (Postgres keys, Redis queue): datagrams that carry an
// envelope with a valid dsn are queued like HTTP envelopes; junk is counted by reason and
// dropped; a junk flood leaves HTTP ingest answering; close() stops the socket.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDatagram } from '../../ingest/src/udp-datagram.js';
import { queuedItems } from '../helpers/queued.js';
import { createProjectKey } from '../helpers/factories.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/** Gzip magic, random bytes, and a trailer claiming `size` inflated bytes. */
function gzipGarbage(length: number, size: number): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(size, 4);
  return Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0]), randomBytes(length), trailer]);
}

/** 5 MB of `{` whose gzip trailer claims 100 bytes: only the bounded inflate stops it. */
function lyingBomb(): Buffer {
  const bomb = gzipSync(Buffer.alloc(5_000_000, 0x7b));
  bomb.writeUInt32LE(100, bomb.length - 4);
  return bomb;
}

describe('decodeDatagram', () => {
  const envelope = Buffer.from('{"dsn":"udp://k@h:1/1"}\n{"type":"event"}\n{}');
  it.each([
    ['a plain envelope', envelope, 'ok'],
    ['a gzipped envelope', gzipSync(envelope), 'ok'],
    ['leading whitespace', Buffer.from(` \n${envelope.toString()}`), 'ok'],
    ['an empty datagram', Buffer.alloc(0), 'empty-body'],
    ['random bytes', Buffer.from('GET / HTTP/1.1\r\n'), 'invalid-envelope'],
    ['gzip magic with garbage', gzipGarbage(200, 1000), 'invalid-body'],
    ['gzip garbage claiming a huge size', gzipGarbage(200, 50_000_000), 'too-large'],
    ['gzip magic with another method', Buffer.from([0x1f, 0x8b, 0x07, 0, 0]), 'invalid-body'],
    ['a gzip bomb', gzipSync(Buffer.alloc(5_000_000, 0x7b)), 'too-large'],
    ['a gzip bomb lying about its size', lyingBomb(), 'too-large'],
    ['gzipped junk', gzipSync(Buffer.from('[1,2,3]')), 'invalid-envelope'],
  ])('%s', (_name, datagram, expected) => {
    const out = decodeDatagram(datagram, 1024 * 1024);
    expect(Buffer.isBuffer(out) ? 'ok' : out.reason).toBe(expected);
  });
});

describe('UDP ingest listener', () => {
  let s: TestServer;
  let sock: Socket;
  let udpDsn: string;
  beforeAll(async () => {
    s = await startTestServer({ ROLE: 'ingest', UDP_PORT: '0' });
    udpDsn = `udp://${s.project.publicKey}@127.0.0.1:${s.running.udpPort}/${s.project.projectId}`;
    sock = createSocket('udp4');
  });
  afterAll(async () => {
    sock?.close();
    await s?.stop();
  });

  const send = (datagram: Buffer | string) =>
    new Promise<void>((resolve, reject) =>
      sock.send(datagram, s.running.udpPort!, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  const stats = () => s.running.udp!.stats();
  const settled = (n: number) =>
    waitFor(
      () => {
        const st = stats();
        return st.received >= n && st.pending === 0 ? st : null;
      },
      { message: `${n} datagrams settled` },
    );
  const jobs = async () => (await queuedItems(s.deps.queue, ['waiting', 'prioritized', 'delayed'])).map((j) => j.data);
  const envelope = (dsn: string, eventId: string, message: string) =>
    `{"event_id":"${eventId}","sent_at":"${new Date().toISOString()}","sdk":{"name":"faultline.javascript","version":"0.1.0"},"dsn":"${dsn}"}\n{"type":"event"}\n{"message":"${message}","platform":"node"}`;

  it('binds a random port with the requested receive buffer and queues plain, gzipped and counter datagrams', async () => {
    expect(s.running.udpPort).toBeGreaterThan(0);
    expect(s.running.udp!.recvBufferBytes).toBeGreaterThan(0);
    const base = stats().received;
    const [a, b] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    await send(envelope(udpDsn, a, 'plain datagram'));
    await send(gzipSync(envelope(udpDsn, b, 'gzipped datagram'.padEnd(3000, '.'))));
    const counter = {
      requests: 12,
      interval: 10,
      server_name: 'web-1',
      release: 'shop@1.4.2',
      environment: 'production',
      timestamp: Date.now() / 1000,
    };
    await send(
      `{"sent_at":"${new Date().toISOString()}","dsn":"${udpDsn}"}\n{"type":"faultline_counter"}\n${JSON.stringify(counter)}`,
    );
    await settled(base + 3);
    const queued = await waitFor(async () => {
      const j = await jobs();
      return j.length >= 3 ? j : null;
    });
    const events = queued.filter((j) => j.kind === 'event');
    expect(
      events
        .map((e) => e.kind === 'event' && [e.eventId, e.projectId, e.meta.endpoint, e.meta.sdk, e.meta.clientIp])
        .sort(),
    ).toEqual(
      [
        [a, s.project.projectId, 'udp', 'faultline.javascript/0.1.0', '127.0.0.1'],
        [b, s.project.projectId, 'udp', 'faultline.javascript/0.1.0', '127.0.0.1'],
      ].sort(),
    );
    expect(queued.find((j) => j.kind === 'faultline_counter')).toMatchObject({
      projectId: s.project.projectId,
      payload: JSON.stringify(counter),
    });
    expect(stats().accepted).toBeGreaterThanOrEqual(3);
  });

  it('counts and drops malformed and unauthenticated datagrams without queueing them', async () => {
    const before = { ...stats(), queued: (await jobs()).length };
    const disabled = await createProjectKey(s.pool, s.project.projectId, { isActive: false });
    const id = () => randomBytes(16).toString('hex');
    const junk: Array<[Buffer | string, string]> = [
      ['', 'empty-body'],
      [randomBytes(300), 'invalid-envelope'],
      [gzipGarbage(300, 2000), 'invalid-body'],
      [gzipSync(Buffer.alloc(20_000_000, 0x7b)), 'too-large'],
      ['{"dsn":"udp://k@h:1/1"', 'invalid-auth'],
      [`{"event_id":"${id()}"}\n{"type":"event"}\n{}`, 'invalid-auth'],
      [envelope(`ftp://${s.project.publicKey}@h/1`, id(), 'x'), 'invalid-auth'],
      [envelope(`udp://${'0'.repeat(32)}@127.0.0.1:1/${s.project.projectId}`, id(), 'x'), 'unknown-key'],
      [envelope(`udp://${disabled.publicKey}@127.0.0.1:1/${s.project.projectId}`, id(), 'x'), 'disabled-key'],
      [envelope(`udp://${s.project.publicKey}@127.0.0.1:1/99999`, id(), 'x'), 'project-mismatch'],
      [`${envelope(udpDsn, id(), 'x')}\n{"type":"event"}\n{}`, 'invalid-envelope'],
    ];
    for (const [datagram] of junk) await send(datagram);
    const after = await settled(before.received + junk.length);
    const expected: Record<string, number> = {};
    for (const [, reason] of junk) expected[reason] = (expected[reason] ?? 0) + 1;
    for (const [reason, n] of Object.entries(expected)) {
      expect({
        reason,
        n:
          (after.dropped[reason as keyof typeof after.dropped] ?? 0) -
          (before.dropped[reason as keyof typeof before.dropped] ?? 0),
      }).toEqual({ reason, n });
    }
    expect(after.accepted).toBe(before.accepted);
    expect((await jobs()).length).toBe(before.queued);
    // The same outcome accounting as HTTP: junk under no project, a known key under its project.
    const fields = await waitFor(
      async () => {
        const f = Object.keys(await s.deps.redis.hgetall(`${s.redisPrefix}:{outcomes}:live`));
        return f.some((k) => k.endsWith(`|${s.project.projectId}|error|invalid|project-mismatch`)) ? f : null;
      },
      { message: 'outcome counters' },
    );
    expect(fields.some((k) => k.endsWith('|0|default|invalid|invalid-envelope'))).toBe(true);
    expect(fields.some((k) => k.endsWith('|0|default|invalid|empty-body'))).toBe(true);
  });

  it('keeps answering HTTP ingest during a flood of junk datagrams, and counts the junk', async () => {
    const before = stats();
    const junk = [
      randomBytes(1200),
      Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0]), randomBytes(1200)]),
      Buffer.from(envelope(`udp://${'1'.repeat(32)}@h:1/1`, randomBytes(16).toString('hex'), 'x')),
    ];
    let sent = 0;
    let flooding = true;
    const flood = (async () => {
      while (flooding) {
        for (let i = 0; i < 200; i++) sock.send(junk[sent++ % junk.length]!, s.running.udpPort!, '127.0.0.1');
        await new Promise((r) => setImmediate(r));
      }
    })();
    const url = `${s.url}/api/${s.project.projectId}/envelope/?sentry_key=${s.project.publicKey}&sentry_version=7`;
    const answers = [];
    try {
      for (let i = 0; i < 20; i++)
        answers.push(await request(url, { body: `{}\n{"type":"event"}\n{"message":"during flood ${i}"}` }));
    } finally {
      flooding = false;
      await flood;
    }
    expect(answers.map((a) => a.status)).toEqual(new Array(20).fill(200));
    // Every datagram that reached the socket ends as a drop (the kernel may have dropped others).
    const after = await waitFor(() => {
      const st = stats();
      return st.pending === 0 && st.received > before.received ? st : null;
    });
    const droppedNow =
      Object.values(after.dropped).reduce((n, v) => n + (v ?? 0), 0) -
      Object.values(before.dropped).reduce((n, v) => n + (v ?? 0), 0);
    expect(after.accepted).toBe(before.accepted);
    expect(droppedNow).toBe(after.received - before.received);
    expect(sent).toBeGreaterThan(1000);
  });

  it('stops receiving on shutdown', async () => {
    const own = await startTestServer({ ROLE: 'ingest', UDP_PORT: '0' });
    const port = own.running.udpPort!;
    await own.stop();
    // The port is free again: binding it succeeds.
    const probe = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(port, '0.0.0.0', () => resolve());
    });
    probe.close();
  });
});
