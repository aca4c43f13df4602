// The pipeline as a list of steps: README's "path of an event" names the same steps in the same
// order; every step is timed by name on /metrics; steps added through the composition (never a
// branch in production code) end or fail only their own events; Redis ranks the batch before the
// transaction opens.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../../../server/src/metrics/registry.js';
import { createPipeline, STEP_NAMES, type PipelineSteps } from '../../../server/src/pipeline/pipeline.js';
import { processBatch } from '../../../server/src/pipeline/process-event.js';
import type { JobOutcome } from '../../../server/src/queue/job-outcome.js';
import { CONTINUE, drop } from '../../../server/src/pipeline/steps.js';
import type { Pool } from '../../../server/src/db/pool.js';
import { poisonStep, withStepAfter } from '../../helpers/faults.js';
import { usePipelineTestContext } from '../../helpers/pipeline.js';
import { createProject } from '../../helpers/db-fixtures.js';
import { syntheticEventJob } from '../../helpers/sdk-fixtures.js';

const README = path.resolve(import.meta.dirname, '../../../README.md');
let seq = 0;
const newEventId = () => (++seq).toString(16).padStart(32, 'c');
const kinds = (outcomes: JobOutcome[]) => outcomes.map((o) => o.kind);

/** The step names README's "path of an event" section marks as **`name`**, in order. */
function readmeSteps(): string[] {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('## The path of an event');
  const end = text.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThanOrEqual(0);
  return [...text.slice(start, end).matchAll(/\*\*`([a-z-]+)`\*\*/g)].map((m) => m[1]!);
}

describe('the step list', () => {
  it('is the one README tells, in the same order', () => {
    expect(readmeSteps()).toEqual([...STEP_NAMES]);
  });

  it('names every step once', () => {
    expect(new Set(STEP_NAMES).size).toBe(STEP_NAMES.length);
  });
});

describe('running the steps', () => {
  const t = usePipelineTestContext();
  const job = (projectId: string, message: string) =>
    syntheticEventJob({ projectId, receivedAt: Date.now(), eventId: newEventId(), type: 'StepError', value: message });

  it('times every step by name into faultline_pipeline_step_seconds', async () => {
    const { projectId } = await createProject(t.db.pool, 'steps-timed');
    const before = await stepCounts();
    expect(kinds(await processBatch(t.deps, [job(projectId, 'one'), job(projectId, 'two')]))).toEqual([
      'stored',
      'stored',
    ]);
    const after = await stepCounts();
    for (const step of STEP_NAMES) expect(after.get(step) ?? 0, step).toBeGreaterThan(before.get(step) ?? 0);
  });

  it('fails only the event a composed step throws on, and lets the others through', async () => {
    const { projectId } = await createProject(t.db.pool, 'steps-poison');
    const pipeline = createPipeline(t.deps.config, withStepAfter('scrub', poisonStep('poison-in-step')));
    const outcomes = await processBatch({ ...t.deps, pipeline }, [
      job(projectId, 'fine'),
      job(projectId, 'poison-in-step here'),
      job(projectId, 'fine too'),
    ]);
    expect(kinds(outcomes)).toEqual(['stored', 'failed', 'stored']);
    const failed = outcomes[1] as Extract<JobOutcome, { kind: 'failed' }>;
    expect(failed.error.message).toMatch(/^stage poison failed/);
    expect((failed.error.cause as Error).message).toMatch(/poisoned event/);
    // The default pipeline has no such step: the same event is stored.
    expect(kinds(await processBatch(t.deps, [job(projectId, 'poison-in-step again')]))).toEqual(['stored']);
  });

  it("turns a drop(reason) into the event's filtered outcome", async () => {
    const { projectId } = await createProject(t.db.pool, 'steps-drop');
    const dropper = {
      kind: 'event' as const,
      name: 'drop-marked',
      run: (d: { event?: { logentry?: unknown; exception?: unknown } }) =>
        JSON.stringify(d.event?.exception ?? '').includes('drop-me') ? drop('error-message') : CONTINUE,
    };
    const pipeline = createPipeline(t.deps.config, withStepAfter('filter', dropper));
    const outcomes = await processBatch({ ...t.deps, pipeline }, [job(projectId, 'drop-me'), job(projectId, 'keep')]);
    expect(outcomes[0]).toMatchObject({ kind: 'filtered', reason: 'error-message' });
    expect(outcomes[1]!.kind).toBe('stored');
  });

  it('talks to Redis before the transaction opens, never inside it', async () => {
    const { projectId } = await createProject(t.db.pool, 'steps-order');
    const calls: string[] = [];
    const pool = recordingPool(t.db.pool, calls);
    const redis = new Proxy(t.deps.redis, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(`redis.${String(prop)}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const steps: PipelineSteps = createPipeline(t.deps.config);
    expect(steps.commit.map((s) => s.name)).toEqual(['group', 'sample', 'store', 'count']);
    const outcomes = await processBatch({ ...t.deps, pool, redis }, [
      job(projectId, 'ranked'),
      job(projectId, 'ranked'),
    ]);
    expect(kinds(outcomes)).toEqual(['stored', 'stored']);
    const begin = calls.indexOf('BEGIN');
    const commit = calls.indexOf('COMMIT');
    expect(begin).toBeGreaterThan(0);
    expect(calls.indexOf('redis.eval')).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('redis.eval')).toBeLessThan(begin); // the spike ranks: one script call
    expect(calls.slice(begin, commit).filter((c) => c.startsWith('redis.'))).toEqual([]);
  });
});

async function stepCounts(): Promise<Map<string, number>> {
  const metric = await registry.getSingleMetric('faultline_pipeline_step_seconds')!.get();
  const counts = new Map<string, number>();
  for (const v of metric.values)
    if ((v as { metricName?: string }).metricName === 'faultline_pipeline_step_seconds_count')
      counts.set(String(v.labels.step), v.value);
  return counts;
}

/** A pool whose transactions note BEGIN and COMMIT in `calls`. */
function recordingPool(pool: Pool, calls: string[]): Pool {
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== 'connect') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: unknown[]) => {
        // pool.query connects with a callback: leave that path alone.
        if (args.length > 0) return (target.connect as (...a: unknown[]) => unknown).apply(target, args);
        const client = await target.connect();
        return new Proxy(client, {
          get(c, p, r) {
            if (p !== 'query') return Reflect.get(c, p, r) as unknown;
            return (sql: unknown, ...rest: unknown[]) => {
              if (sql === 'BEGIN' || sql === 'COMMIT') calls.push(sql);
              return (c.query as (...a: unknown[]) => unknown).apply(c, [sql, ...rest]);
            };
          },
        });
      };
    },
  });
}
