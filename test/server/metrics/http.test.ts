// GET /metrics on a running Faultline: ingest outcomes, pipeline batches and lag, queue depth,
// Postgres pool; the optional METRICS_TOKEN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

describe('/metrics', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ ROLE: 'all', METRICS_TOKEN: 'metrics-token-0123456789' });
  });
  afterAll(async () => {
    await s?.stop();
  });
  const scrape = async () => {
    const res = await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  it('reports ingest outcomes, the pipeline, the queue and the pool', async () => {
    const store = (key: string) =>
      fetch(`${s.url}/api/${s.project.projectId}/store/?sentry_key=${key}`, {
        method: 'POST',
        body: JSON.stringify({ message: 'metrics' }),
      });
    expect((await store(s.project.publicKey)).status).toBe(200);
    expect((await store('0'.repeat(32))).status).toBe(403);
    await waitFor(async () => /faultline_processing_lag_seconds_count [1-9]/.test(await scrape()), {
      message: 'the processed event',
    });
    const text = await scrape();
    expect(text).toMatch(/faultline_ingest_outcomes_total\{outcome="accepted"\} 1/);
    expect(text).toMatch(/faultline_ingest_outcomes_total\{outcome="unknown-key"\} 1/);
    expect(text).toMatch(/faultline_pipeline_jobs_total\{outcome="stored"\} 1/);
    expect(text).toMatch(/faultline_pipeline_batch_size_count [1-9]/);
    expect(text).toMatch(/faultline_queue_jobs\{state="waiting"\} \d+/);
    expect(text).toMatch(/faultline_queue_oldest_waiting_seconds \d/);
    expect(text).toMatch(/faultline_db_pool_connections\{state="total"\} \d+/);
    expect(text).toMatch(/faultline_http_requests_total\{part="ingest",status="2xx"\} 1/);
    expect(text).toMatch(/faultline_smtp_deliveries_total/);
    expect(text).toMatch(/faultline_process_cpu_seconds_total/);
  });

  it('wants the token when METRICS_TOKEN is set', async () => {
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });
});
