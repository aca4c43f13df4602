import { it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestDatabase } from '../helpers/db.js';
import { testRedisPrefix, TEST_REDIS_URL, cleanRedisPrefix } from '../helpers/redis.js';
import { loadConfig } from '../../server/src/config.js';
import { createLogger } from '../../server/src/log.js';
import { processBatch } from '../../server/src/pipeline/process-event.js';
import { createProject } from '../helpers/factories.js';

it('probe', async () => {
  const db = await createTestDatabase();
  const prefix = testRedisPrefix();
  const redis = new Redis(TEST_REDIS_URL);
  const deps = { pool: db.pool, redis, log: createLogger({ level: 'silent' }), config: loadConfig({ REDIS_PREFIX: prefix, SPIKE_EVENTS_PER_MINUTE: process.env.SPIKE ?? '1000' }) };
  const p = await createProject(db.pool);
  const body = JSON.stringify({ platform: 'node', level: 'error', exception: { values: [{ type: 'FloodError', value: 'x', stacktrace: { frames: [{ filename: 'a.js', function: 'f', lineno: 1, in_app: true }] } }] } });
  const now = Date.now();
  let n = 0;
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let b = 0; b < 20; b++) {
    const jobs = Array.from({ length: 500 }, () => ({ v: 1, kind: 'event', projectId: p.projectId, eventId: (++n).toString(16).padStart(32, '0'), receivedAt: now, payload: body, meta: {} }));
    const t = performance.now();
    await processBatch(deps, jobs);
    times.push(Math.round(performance.now() - t));
  }
  const cpu = process.cpuUsage(cpu0);
  console.log('batch ms', times.join(' '), 'cpu ms', Math.round((cpu.user + cpu.system) / 1000));
  redis.disconnect(); await cleanRedisPrefix(prefix); await db.drop();
}, 400_000);
