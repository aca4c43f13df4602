import http from 'node:http';
import { it } from 'vitest';
import { startTestServer } from '/work/main/test/helpers/server.js';
import { waitFor } from '/work/main/test/helpers/wait.js';

it('probe', async () => {
  const s = await startTestServer({ ROLE: 'ingest' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
  const path = `/api/${s.project.projectId}/envelope/?sentry_key=${s.project.publicKey}&sentry_version=7`;
  const body = JSON.stringify({ platform: 'node', level: 'error', exception: { values: [{ type: 'FloodError', value: 'x', stacktrace: { frames: [{ filename: 'a.js', function: 'f', lineno: 1, in_app: true }] } }] } });
  const post = (b: string) => new Promise<number>((resolve, reject) => { const req = http.request(`${s.url}${path}`, { method: 'POST', agent, headers: { 'content-length': Buffer.byteLength(b) } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }); req.on('error', reject); req.end(b); });
  let next = 0; const N = 20000;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 6 }, async () => { for (let n = next++; n < N; n = next++) await post(`{"event_id":"${n.toString(16).padStart(32, '0')}"}\n{"type":"event"}\n${body}`); }));
  const t1 = Date.now();
  console.log('ingest ms', t1 - t0, 'depth', await s.deps.queue.getJobCounts('wait'));
  const mem = await s.deps.redis.info('memory');
  console.log(mem.split('\n').find((l) => l.startsWith('used_memory:')));
  const { startWorker } = await import('/work/main/server/src/main-worker.js');
  const t2 = Date.now();
  const w = await startWorker(s.deps);
  await waitFor(async () => (await s.deps.queue.getJobCounts('wait', 'active')).wait === 0 && (await s.deps.queue.getJobCounts('active')).active === 0, { timeout: 300_000, interval: 500 });
  console.log('worker ms', Date.now() - t2);
  await w.close(); agent.destroy(); await s.stop();
}, 400_000);
