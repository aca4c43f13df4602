// The pipeline's steps, in order: the list README's "path of an event" tells and process-event.ts
// runs (a test holds the two together). Before the transaction: per-event CPU steps and the
// batch's reads (settings, source maps, spike counters in Redis); then one short transaction;
// then what happens after commit. The worker's entrypoint builds one Pipeline (steps + caches).
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import type { Queryable } from '../db/pool.js';
import { eventFlags } from '../flags/evaluations.js';
import { groupingCacheLookups, pipelineStepDuration } from '../metrics/registry.js';
import { createSourceMapCache, type SourceMapCache } from '../sourcemaps/cache.js';
import { createGroupingCache, GROUPING_CACHE_MAX_ENTRIES, type GroupingCache } from './grouping-cache.js';
import { assign } from './assign.js';
import { count } from './count.js';
import { eventTags, userTagValue } from '../events/tags.js';
import { filter, loadFilterInputs } from './filter.js';
import { fingerprint } from './fingerprint.js';
import { group, type Grouped } from './group.js';
import { normalizeEvent, parseEventJson } from './normalize.js';
import { notify } from './notify.js';
import type { AssignedEvent, EventDraft, PreparedEvent, StoredEvent } from './prepared.js';
import { publishEvents } from './publish.js';
import { rankEvents, sample, type Sampled } from './sample.js';
import { createScrubSettingsCache, loadScrubInputs, scrub, type ScrubSettingsCache } from './scrub.js';
import { CONTINUE, drop, type BatchStep, type EventStep, type StepTimer } from './steps.js';
import { store } from './store.js';
import { symbolicatePrepared } from './symbolicate.js';

/** `queue`: where monitor failure events go; without it (tests) they are processed in the same call. */
export type PipelineDeps = Pick<Deps, 'pool' | 'log' | 'redis' | 'config' | 'alerts'> & {
  queue?: Deps['queue'];
  /** The worker's pipeline (steps and caches); without it (tests) each call builds a fresh one. */
  pipeline?: Pipeline;
};

/** What the pipeline keeps between batches: one per worker process, built by its entrypoint. */
export interface PipelineState {
  scrubSettings: ScrubSettingsCache;
  sourceMaps: SourceMapCache;
  /** Grouping results keyed by what grouping reads (grouping-cache.ts). */
  grouping: GroupingCache;
}

/** A batch before its transaction: the drafts still live (not dropped, not failed). */
export interface PrepareBatch {
  deps: PipelineDeps;
  state: PipelineState;
  events: EventDraft[];
}

/** A batch inside its transaction; each step fills in what the next reads. */
export interface CommitBatch {
  deps: PipelineDeps;
  tx: Queryable;
  now: Date;
  events: PreparedEvent[];
  grouped?: Grouped;
  sampled?: Sampled;
  stored?: AssignedEvent[];
  /** Issues these events reopened. */
  regressed?: Set<string>;
}

/** A committed batch: its newly stored events (never the duplicates). */
export interface CommittedBatch {
  deps: PipelineDeps;
  stored: AssignedEvent[];
  published: StoredEvent[];
}

export type PrepareStep = EventStep<EventDraft> | BatchStep<PrepareBatch>;

export interface PipelineSteps {
  prepare: PrepareStep[];
  commit: Array<BatchStep<CommitBatch>>;
  afterCommit: Array<BatchStep<CommittedBatch>>;
}

export interface Pipeline extends PipelineSteps {
  state: PipelineState;
  timer: StepTimer;
}

export interface PipelineOptions {
  /** Changes the step list (tests: add a step that fails on purpose). */
  compose?: (steps: PipelineSteps) => PipelineSteps;
  /** Where step timings go; default the faultline_pipeline_step_seconds histogram. */
  timer?: StepTimer;
}

const eventStep = (name: string, run: EventStep<EventDraft>['run']): EventStep<EventDraft> => ({
  kind: 'event',
  name,
  run,
});
const batchStep = <B>(name: string, run: BatchStep<B>['run']): BatchStep<B> => ({ kind: 'batch', name, run });

/** A draft the per-event steps have filled in; throws on a step list that skips one. */
export function prepared(d: EventDraft): PreparedEvent {
  if (!d.event || !d.grouping || !d.summary || !d.tags)
    throw new Error(`pipeline bug: event ${d.eventId} reached a batch step unprepared`);
  return d as PreparedEvent;
}

export const STEPS: Readonly<PipelineSteps> = Object.freeze({
  prepare: [
    batchStep<PrepareBatch>('load-settings', async (b) => {
      const ids = b.events.map((d) => d.projectId);
      if (ids.length === 0) return;
      const [scrubbing, filters] = await Promise.all([
        loadScrubInputs(b.deps, b.state.scrubSettings, ids),
        loadFilterInputs(b.deps.pool, ids),
      ]);
      for (const d of b.events) {
        d.scrubbing = scrubbing(d.projectId);
        d.filters = filters(d.projectId);
        d.groupingCache = b.state.grouping;
      }
    }),
    eventStep('parse', (d) => {
      d.raw = parseEventJson(d.job.payload);
      return CONTINUE;
    }),
    eventStep('normalize', (d) => {
      d.event = normalizeEvent(d.raw, {
        eventId: d.job.eventId,
        receivedAt: d.job.receivedAt,
        clientIp: d.job.meta.clientIp,
      });
      d.raw = undefined;
      return CONTINUE;
    }),
    eventStep('scrub', (d) => {
      scrub(d.event!, d.scrubbing);
      return CONTINUE;
    }),
    eventStep('filter', (d) => {
      const reason = filter(d.event!, d.filters);
      return reason ? drop(reason) : CONTINUE;
    }),
    eventStep('fingerprint', (d) => {
      const { grouping, summary } = fingerprint(d.event!, undefined, d.groupingCache);
      d.grouping = grouping;
      d.summary = summary;
      return CONTINUE;
    }),
    eventStep('tag', (d) => {
      d.tags = eventTags(d.event!);
      d.userKey = userTagValue(d.event!);
      d.flags = eventFlags(d.event!);
      return CONTINUE;
    }),
    batchStep<PrepareBatch>('symbolicate', (b) =>
      symbolicatePrepared(b.deps, b.state.sourceMaps, b.events.map(prepared), b.state.grouping),
    ),
    batchStep<PrepareBatch>('rank', (b) => rankEvents(b.deps, b.events.map(prepared))),
  ],
  commit: [
    batchStep<CommitBatch>('group', async (b) => {
      b.grouped = await group(b.tx, b.events);
    }),
    batchStep<CommitBatch>('sample', async (b) => {
      b.sampled = await sample(b.tx, b.deps, b.grouped!.assigned);
    }),
    batchStep<CommitBatch>('store', async (b) => {
      b.stored = await store(b.tx, b.sampled!.keep, b.grouped!.newIssueIds);
    }),
    batchStep<CommitBatch>('count', async (b) => {
      b.regressed = await count(b.tx, [...b.stored!, ...b.sampled!.countOnly], b.now);
    }),
  ],
  afterCommit: [
    batchStep<CommittedBatch>('publish', (b) =>
      publishEvents(b.deps, b.published).catch((err: unknown) =>
        b.deps.log.warn({ err }, 'publishing stored events failed'),
      ),
    ),
    batchStep<CommittedBatch>('assign', (b) =>
      assign(
        b.deps,
        b.stored
          .filter((e) => e.isNewIssue)
          .map((e) => ({
            projectId: e.projectId,
            issueId: e.issueId,
            release: e.event.release ?? null,
            environment: e.event.environment ?? null,
            payload: e.event as unknown as Record<string, unknown>,
          })),
      ),
    ),
    batchStep<CommittedBatch>('notify', (b) => notify(b.deps, b.published)),
  ],
});

/** Every step's name, in the order an event meets them (README's "path of an event"). */
export const STEP_NAMES: readonly string[] = [...STEPS.prepare, ...STEPS.commit, ...STEPS.afterCommit].map(
  (s) => s.name,
);

const observeStep: StepTimer = (step, seconds) => pipelineStepDuration.observe({ step }, seconds);

export function createPipeline(config: Pick<Config, 'sourcemaps'>, options: PipelineOptions = {}): Pipeline {
  const base: PipelineSteps = {
    prepare: [...STEPS.prepare],
    commit: [...STEPS.commit],
    afterCommit: [...STEPS.afterCommit],
  };
  const steps = options.compose ? options.compose(base) : base;
  return {
    ...steps,
    state: {
      scrubSettings: createScrubSettingsCache(),
      sourceMaps: createSourceMapCache(config.sourcemaps.cacheBytes),
      grouping: createGroupingCache(GROUPING_CACHE_MAX_ENTRIES, (lookup) =>
        groupingCacheLookups.inc({ result: lookup }),
      ),
    },
    timer: options.timer ?? observeStep,
  };
}
