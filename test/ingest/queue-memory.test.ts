// Measures the Redis memory one queued event costs (docs/ingest-protection.md): real SDK
// events are sent through the HTTP endpoint with no worker running, and each job's hash plus
// its share of the wait list is measured with MEMORY USAGE (exact per key, unlike INFO, which
// other tests on the same Redis disturb). Guards against a job format that bloats the queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, eventJobId, QUEUE_PROCESS_EVENT, type EventJob } from '../../server/src/shared/queues.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { fixtureJobs } from '../helpers/sdk-fixtures.js';

const COPIES = 200;
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ QUEUE_MAX_DEPTH: '0' });
});
afterAll(async () => {
  await s?.stop();
});

describe('Redis memory per queued event', () => {
  it('is the payload plus about 1 KiB of job bookkeeping', async () => {
    const payloads = [
      ...fixtureJobs('node-sdk-11.12', { projectId: '1', receivedAt: 0 }),
      ...fixtureJobs('python-sdk-1.9.10', { projectId: '1', receivedAt: 0 }),
    ]
      .filter((j): j is EventJob => j.kind === 'event')
      .map((j) => j.payload);
    const ids: Array<{ id: string; payload: string }> = [];
    let n = 0;
    for (let c = 0; c < COPIES; c++) {
      for (const payload of payloads) {
        const id = (0x3e3000000 + ++n).toString(16).padStart(32, '0');
        const r = await request(`${s.url}/api/${s.project.projectId}/envelope/?sentry_key=${s.project.publicKey}`, {
          body: `{"event_id":"${id}"}\n{"type":"event"}\n${payload}`,
        });
        expect(r.status).toBe(200);
        ids.push({ id, payload });
      }
    }
    const base = `${bullPrefix(s.redisPrefix)}:${QUEUE_PROCESS_EVENT}`;
    const redis = s.deps.redis;
    let jobBytes = 0;
    let payloadBytes = 0;
    for (const { id, payload } of ids) {
      jobBytes += Number(
        await redis.call('MEMORY', 'USAGE', `${base}:${eventJobId(s.project.projectId, id)}`, 'SAMPLES', '0'),
      );
      payloadBytes += Buffer.byteLength(payload);
    }
    const waitBytes = Number(await redis.call('MEMORY', 'USAGE', `${base}:wait`, 'SAMPLES', '0'));
    const perJob = Math.round(jobBytes / ids.length);
    const perPayload = Math.round(payloadBytes / ids.length);
    const perListEntry = Math.round(waitBytes / ids.length);
    console.log(
      JSON.stringify({
        jobs: ids.length,
        avgPayloadBytes: perPayload,
        avgJobHashBytes: perJob,
        waitListBytesPerJob: perListEntry,
        overheadBytes: perJob + perListEntry - perPayload,
      }),
    );
    expect(perJob + perListEntry).toBeLessThan(perPayload * 1.25 + 2048);
  }, 120_000);
});
