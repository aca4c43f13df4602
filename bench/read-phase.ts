// Phase "read path": the API a person clicks, timed warm over HTTP against a project of N events
// (read-seed.ts: 1,000,000 in the full plan, kept between runs). An API process (ROLE=api) serves
// the seeded database; each endpoint gets a few unrecorded requests, then `readRequests` timed
// ones, one at a time (latency, not throughput), from this process.
import pg from 'pg';
import { cpuMeter, postgresGroup } from './cpu.js';
import type { BenchContext } from './plan.js';
import type { BenchResult } from './result.js';
import { startFaultline, type Proc } from './processes.js';
import {
  createReadSeedDatabase,
  openReadSeed,
  readSeedName,
  releaseVersion,
  seedReadEvents,
  type ReadSeed,
  type ReadSeedShape,
} from './read-seed.js';

export type ReadPathResult = NonNullable<BenchResult['readPath']>;

/** Seeds (or reuses) the read-path project, then times each endpoint. */
export async function readPathPhase(
  ctx: BenchContext,
  opts: { adminUrl: string; redisUrl: string; keepSeed: boolean },
): Promise<ReadPathResult> {
  const { plan } = ctx;
  const shape: ReadSeedShape = {
    events: plan.readEvents,
    fingerprints: plan.readFingerprints,
    releases: plan.readReleases,
  };
  // A kept seed has a shared name (reused across runs); a throwaway one is unique to this run.
  const name = opts.keepSeed
    ? readSeedName(shape)
    : `${readSeedName(shape)}_${ctx.db.name.slice('faultline_bench_'.length)}`;
  const lock = await seedLock(opts.adminUrl, name); // two runs never seed the same database at once
  let api: Proc | null = null;
  let seed: ReadSeed | null = null;
  try {
    seed = opts.keepSeed ? await openReadSeed(opts.adminUrl, name, ctx.log) : null;
    if (seed) ctx.log(`read path: reusing ${name} (seeded ${seed.seededAt.toISOString()})`);
    const fresh = seed ? null : await createReadSeedDatabase(opts.adminUrl, name, shape, new Date());
    const db = (seed ?? fresh)!.db;
    api = await startFaultline('api', { ...ctx.env, DATABASE_URL: db.url });
    const client = { origin: `http://127.0.0.1:${api.port}`, token: db.apiToken };
    if (fresh) {
      ctx.log(
        `read path: seeding ${name} with ${shape.events.toLocaleString('en-US')} events through the worker's batch path`,
      );
      const t0 = performance.now();
      await seedReadEvents(fresh, client, { redisUrl: opts.redisUrl, redisPrefix: ctx.redisPrefix }, ctx.log);
      seed = { ...fresh, seedSeconds: (performance.now() - t0) / 1000 };
      ctx.log(`read path: seeded in ${seed.seedSeconds!.toFixed(0)} s`);
    }
    const s = seed!;
    const counts = await s.db.pool.query<{ events: string; issues: string; releases: string }>(
      `SELECT (SELECT count(*) FROM events)::text AS events, (SELECT count(*) FROM issues)::text AS issues, (SELECT count(*) FROM releases)::text AS releases`,
    );
    const endpoints = await endpointsOf(client, s);
    const results: ReadPathResult['endpoints'] = [];
    for (const e of endpoints) {
      await timeRequests(client, e.path, plan.readWarmup);
      // CPU per request from /proc (the API process and the database's backends): unlike the
      // latency it does not grow with what else the machine runs.
      const meter = cpuMeter([{ name: 'api', pids: () => [api!.pid] }, postgresGroup(s.db.pool, s.db.name)]);
      const timings = await timeRequests(client, e.path, plan.readRequests);
      const cpu = await meter.stop();
      const r = {
        name: e.name,
        path: e.path,
        requests: timings.length,
        ...summary(timings),
        cpuMsPerRequest: { api: cpu.api! / timings.length, postgres: cpu.postgres! / timings.length },
      };
      results.push(r);
      ctx.log(
        `read path: ${e.name}: p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, CPU ${r.cpuMsPerRequest.api.toFixed(1)} + ${r.cpuMsPerRequest.postgres.toFixed(1)} ms`,
      );
    }
    const c = counts.rows[0]!;
    return {
      database: name,
      events: Number(c.events),
      issues: Number(c.issues),
      releases: Number(c.releases),
      fingerprints: shape.fingerprints,
      seededAt: s.seededAt.toISOString(),
      seedSeconds: s.seedSeconds,
      reused: s.seedSeconds === null,
      endpoints: results,
    };
  } finally {
    await api?.stop();
    const db = seed?.db;
    if (db && !opts.keepSeed)
      await db.drop().catch((err: unknown) => ctx.log(`dropping ${name} failed: ${String(err)}`));
    else await db?.pool.end().catch(() => {});
    await lock.release();
  }
}

interface Endpoint {
  name: string;
  path: string;
}

/** The clicks: issue searches, the hottest issue's pages, project stats and the newest deploy's health. */
async function endpointsOf(api: { origin: string; token: string }, s: ReadSeed): Promise<Endpoint[]> {
  const { orgSlug: org, slug: project } = s.db.project;
  const list = `/projects/${org}/${project}/issues/`;
  const q = (query: string) => `${list}?query=${encodeURIComponent(query)}`;
  const hottest = (await getJson<Array<{ id: string }>>(api, `${list}?query=&sort=freq&limit=1`))[0];
  if (!hottest) throw new Error('read path: the seeded project has no issues');
  const newest = releaseVersion(s.shape.releases - 1);
  const deploys = await getJson<Array<{ id: string }>>(
    api,
    `/organizations/${org}/releases/${encodeURIComponent(newest)}/deploys/`,
  );
  const issue = `/organizations/${org}/issues/${hottest.id}`;
  const endpoints: Endpoint[] = [
    { name: 'issue list (default)', path: list },
    {
      name: 'issue list is:unresolved release:X',
      path: q(`is:unresolved release:${releaseVersion(Math.floor(s.shape.releases / 2))}`),
    },
    { name: 'issue list tag filter', path: q('is:unresolved server_name:dev-laptop') },
    { name: 'issue list free text', path: q('is:unresolved DbErrorV123') },
    { name: 'issue list sort=freq', path: `${list}?sort=freq` },
    { name: 'issue list sort=user', path: `${list}?sort=user` },
    { name: 'issue detail (hottest)', path: `${issue}/` },
    { name: 'issue events (hottest)', path: `${issue}/events/` },
    { name: 'issue tag facets (hottest)', path: `${issue}/tags/` },
    { name: 'project stats', path: `/projects/${org}/${project}/stats/` },
  ];
  if (deploys[0])
    endpoints.push({
      name: 'deploy health (newest)',
      path: `/organizations/${org}/releases/${encodeURIComponent(newest)}/deploys/${deploys[0].id}/health/`,
    });
  return endpoints;
}

async function getJson<T>(api: { origin: string; token: string }, path: string): Promise<T> {
  const res = await fetch(`${api.origin}/api/0${path}`, { headers: { authorization: `Bearer ${api.token}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Milliseconds of each of `n` requests, one at a time, each until its whole answer was read. */
async function timeRequests(api: { origin: string; token: string }, path: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${api.origin}/api/0${path}`, { headers: { authorization: `Bearer ${api.token}` } });
    const body = await res.text();
    out.push(performance.now() - t0);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 500)}`);
  }
  return out;
}

export function summary(ms: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 };
}

/** A session advisory lock on the admin database, keyed by the seed's name. */
async function seedLock(adminUrl: string, name: string): Promise<{ release: () => Promise<void> }> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
  return { release: () => c.end() };
}
