// Ingest with Redis unreachable and the spool on (the default): HTTP events are answered 200 and
// UDP datagrams accepted, each as exactly the queue job Redis would have got (name, data, job id)
// in the spool file; /readyz stays ready and shows the spool, /metrics counts it.
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRecord, SPOOL_HEADER_BYTES, type SpoolRecord } from '../../ingest/src/spool-record.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ REDIS_URL: 'redis://127.0.0.1:1', UDP_PORT: '0' });
});
afterAll(async () => {
  await s?.stop();
});

function spooledRecords(): SpoolRecord[] {
  const dir = s.running.deps.config.spool.dir;
  const out: SpoolRecord[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.spool'))) {
    const buf = readFileSync(path.join(dir, name));
    for (let pos = SPOOL_HEADER_BYTES; pos < buf.length;) {
      const d = decodeRecord(buf, pos);
      if (d.kind !== 'record') throw new Error(`spool file ${name}: ${d.kind} at ${pos}`);
      out.push(d.record);
      pos = d.next;
    }
  }
  return out;
}

describe('ingest with Redis down and the spool on', () => {
  it('answers 200 and spools the job Redis would have got, from HTTP and UDP', async () => {
    const eventId = 'a'.repeat(32);
    const r = await request(
      `${s.url}/api/${s.project.projectId}/store/?sentry_key=${s.project.publicKey}&sentry_version=7`,
      { body: JSON.stringify({ event_id: eventId, message: 'kept on disk' }) },
    );
    expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: { id: eventId } });
    const [job] = spooledRecords();
    expect(job).toMatchObject({
      queue: 'process-event',
      name: 'event',
      data: { kind: 'event', eventId, projectId: s.project.projectId },
      opts: { jobId: `e-${s.project.projectId}-${eventId}` },
    });

    const udpId = 'b'.repeat(32);
    const dsn = `udp://${s.project.publicKey}@127.0.0.1:${s.running.udpPort}/${s.project.projectId}`;
    const sock = createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      sock.send(
        Buffer.from(`{"dsn":"${dsn}","event_id":"${udpId}"}\n{"type":"event"}\n{"message":"udp kept on disk"}`),
        s.running.udpPort!,
        '127.0.0.1',
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    sock.close();
    await waitFor(() => spooledRecords().length === 2, { timeout: 15_000, message: 'the datagram spooled' });
    expect(spooledRecords()[1]).toMatchObject({ name: 'event', data: { eventId: udpId, meta: { endpoint: 'udp' } } });
  });

  it('stays ready on /readyz and shows the spool there and on /metrics', async () => {
    const ready = await request(`${s.url}/readyz`, { method: 'GET' });
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({
      status: 'spooling',
      redis: 'down',
      spool: { state: 'spooling', jobs: 2, files: 1, full: false },
    });
    expect((ready.json as { spool: { oldestAgeSeconds: number } }).spool.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    const metrics = await request(`${s.url}/metrics`, { method: 'GET' });
    expect(metrics.text).toMatch(/^faultline_spool_jobs 2$/m);
    expect(metrics.text).toMatch(/^faultline_spool_spooling 1$/m);
    expect(metrics.text).toMatch(/^faultline_spool_jobs_total\{action="spooled"\} 2$/m);
  });
});
