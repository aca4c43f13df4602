// API reads from a real streaming replica (pg_basebackup of a temp primary). With the replica's
// replay paused: a reader sees the replica's (older) data, a writer reads its own triage write
// from the primary, and once the replica is further behind than DATABASE_REPLICA_MAX_LAG_SECONDS
// everyone reads the primary. With the replica stopped, reads fall back and nothing fails.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { createPool, type Pool } from '../../server/src/db/pool.js';
import { migrate } from '../../server/src/db/migrate.js';
import { start, type Running } from '../../server/src/main.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { startPrimaryWithReplica, type PgReplicaSet } from '../helpers/pg-replica.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { createIssue, createMember, type Member } from '../helpers/api-factories.js';

const MAX_LAG_SECONDS = 30; // generous: the paused-replica reads below must happen well within it

let set: PgReplicaSet;
let primary: Pool;
let replica: pg.Client;
let running: Running;
let project: CreatedProject;
let writer: Member;
let reader: Member;
const prefix = testRedisPrefix();

beforeAll(async () => {
  set = await startPrimaryWithReplica();
  const admin = new pg.Client({ connectionString: set.url('primary', 'postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE faultline');
  await admin.end();
  primary = createPool(set.url('primary', 'faultline'), 4);
  await migrate(primary);
  running = await start(
    loadConfig({
      ROLE: 'api',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      RUN_MIGRATIONS: 'false',
      DATABASE_URL: set.url('primary', 'faultline'),
      DATABASE_REPLICA_URL: set.url('replica', 'faultline'),
      DATABASE_REPLICA_MAX_LAG_SECONDS: String(MAX_LAG_SECONDS),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
    }),
  );
  project = await createProject(primary);
  writer = await createMember(primary, { orgId: project.orgId, role: 'owner' });
  reader = await createMember(primary, { orgId: project.orgId, role: 'owner' });
  replica = new pg.Client({ connectionString: set.url('replica', 'faultline') });
  await replica.connect();
}, 180_000);

afterAll(async () => {
  await replica?.end().catch(() => {});
  await running?.stop();
  await primary?.end();
  await cleanRedisPrefix(prefix);
  await set?.stop();
});

async function api(who: Member, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${running.port}/api/0${path}`, {
    ...init,
    headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
  });
  return { status: res.status, body: await res.json() };
}

const titles = async (who: Member) => {
  const r = await api(who, `/projects/${project.orgSlug}/${project.slug}/issues/`);
  expect(r.status).toBe(200);
  return (r.body as Array<{ title: string }>).map((i) => i.title).sort();
};

describe('API reads on a streaming replica', () => {
  it(
    "reads from the replica, the writer's own writes from the primary, and falls back when it lags or stops",
    { timeout: 180_000 },
    async () => {
      const a = await createIssue(primary, { projectId: project.projectId, title: 'Error: first' });
      await waitFor(
        async () => running.readPool!.replicas()[0]!.healthy && (await titles(reader)).includes('Error: first'),
        { timeout: 30_000, interval: 200, message: 'the replica to serve the first issue' },
      );

      await replica.query('SELECT pg_wal_replay_pause()');
      await createIssue(primary, { projectId: project.projectId, title: 'Error: second' });
      // The replica has not replayed the second issue: the reader's list comes from it.
      expect(await titles(reader)).toEqual(['Error: first']);

      const put = await api(writer, `/issues/${a.id}/`, {
        method: 'PUT',
        body: JSON.stringify({ status: 'resolved' }),
      });
      expect(put.status).toBe(200);
      // The writer's next reads come from the primary: its write and the second issue are there
      // (the list shows unresolved issues: the first is resolved now).
      expect((await api(writer, `/issues/${a.id}/`)).body.status).toBe('resolved');
      expect(await titles(writer)).toEqual(['Error: second']);
      // The reader still reads the paused replica (within the lag bound): the first issue still
      // unresolved there, the second not replayed.
      expect(await titles(reader)).toEqual(['Error: first']);
      expect(running.readPool!.replicas()[0]!.healthy).toBe(true);

      // Too far behind: the reader's reads go to the primary.
      await waitFor(async () => (await titles(reader))[0] === 'Error: second', {
        timeout: 120_000,
        interval: 500,
        message: 'reads to leave the lagging replica',
      });
      expect(running.readPool!.replicas()[0]!.healthy).toBe(false);
      await replica.query('SELECT pg_wal_replay_resume()');
      await waitFor(() => running.readPool!.replicas()[0]!.healthy, {
        timeout: 30_000,
        interval: 200,
        message: 'the replica to catch up',
      });

      // The replica goes away: reads fall back at once, nothing fails.
      await replica.end();
      await set.stopReplica();
      expect(await titles(reader)).toEqual(['Error: second']);
      expect((await api(reader, `/issues/${a.id}/`)).body.status).toBe('resolved');
      const events = await api(reader, `/issues/${a.id}/events/`);
      expect(events.status).toBe(200);
      expect(running.readPool!.replicas()[0]!.healthy).toBe(false);
    },
  );
});
