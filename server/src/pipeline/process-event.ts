// The event pipeline: turns a batch of queued jobs into stored events, issues and counters.
//
// The path of an event
// --------------------
// 1. Ingest (HTTP store/envelope or UDP) does almost nothing: it checks auth, size, the queue's
//    depth and the key/project/organization quotas (429 with X-Sentry-Rate-Limits), answers 200
//    with the event id, and enqueues the raw item on the `process-event` BullMQ queue: requests
//    of one coalescing window share one micro-batch job (ingest/src/enqueue.ts); a lone event is
//    a job of its own (job id = project + event id, so a re-sent event collapses while queued). Sessions, client reports,
//    user feedback and cron check-ins ride the same queue as aux jobs (feedback and check-ins
//    are stored by aux-items.ts; a monitor failure becomes an event of its own, queued again).
//    Every item gets one outcome (feedback and check-ins: from the worker).
// 2. The worker (main-worker.ts) takes up to WORKER_CONCURRENCY jobs at a time and hands each
//    item (job-handler.ts unpacks micro-batches; a failed item is split off into a job of its
//    own) to an in-memory batcher, which flushes every WORKER_BATCH_WAIT_MS or WORKER_BATCH_SIZE jobs
//    into processBatch below. A job's promise settles when its batch has committed, so BullMQ
//    acknowledges only durable work.
// 3. processBatch runs the steps of pipeline.ts in their order, each over the whole batch and
//    timed by name (faultline_pipeline_step_seconds{step}); a per-event step says continue or
//    drop(reason), a batch step does one batch's I/O. load-settings reads the batch's projects'
//    data-scrubbing settings (cached by the worker) and inbound filters. Then per event, pure
//    CPU, no I/O: parse the JSON → normalize (every shape SDKs send becomes one canonical event;
//    timestamp clamped to the received time when > 60 s ahead or > 30 days old) → scrub
//    (scrub.ts: passwords, tokens, auth headers, cookies, card numbers replaced, before anything
//    is derived or stored) → filter (filter.ts: a match ends the event with the `filtered`
//    outcome) → fingerprint (grouping hashes, title, culprit) → tag (events/tags.ts: the tags it
//    is counted under and shown with). A payload that is not an event fails here permanently
//    (UnrecoverableError); a step that throws fails only its event. Then for the batch:
//    symbolicate (symbolicate.ts): minified JavaScript frames are mapped through uploaded source
//    maps and the events it changed are fingerprinted again, so issues group on the original
//    frames; rank (sample.ts): each event's place in its fingerprint's per-minute spike counter in
//    Redis — before the transaction, so no lock is held while Redis answers.
// 4. Per batch, ONE short transaction (no Redis, no network but Postgres): group (advisory locks on the (project, hash) pairs in
//    sorted order, one hash lookup, one insert for the new issues) → sample (sample.ts: spike
//    protection, by the ranks; past SPIKE_EVENTS_PER_MINUTE per issue only a sample is stored, the
//    rest is recorded in sampled_events and counted without its payload) → store (one insert
//    of all events; already stored ones are skipped and reported) → count (the inserted and the
//    newly sampled events: one UPDATE for the issues incl. status via issues/state.ts, hourly counts, tag values,
//    user_count, releases, environments). A missing day partition is created and the batch
//    retried once. If the batch fails, its events are retried one by one, so one poisoned
//    event cannot fail its neighbours; a failure left over is thrown and BullMQ retries it
//    with backoff.
// 5. After commit: publish (publish.ts) the newly stored events — never the duplicates —,
//    assign (assign.ts) new issues to their owner (ownership rules, else the suspect commit's
//    author when the project says so), and notify (notify.ts): alert rules evaluate them
//    (alerts/evaluate.ts).
//
// Redelivery (a worker crash between commit and ack, a re-sent event) therefore stores nothing
// twice and counts nothing twice: the events primary key includes the clamped timestamp, which
// is computed from the job's fixed received time, and a sampled event is known by its
// sampled_events row (sample.ts), whichever way the spike decision goes on the next delivery.
import type { Deps } from '../deps.js';
import { withTransaction } from '../db/tx.js';
import { ensureEventPartitions, eventKey, isMissingPartitionError } from '../events/queries.js';
import { auxJobSchema, eventJobSchema, type AuxJob, type EventJob } from '../shared/queues.js';
import { countAuxJobs } from './count-aux.js';
import type { JobOutcome } from '../queue/job-outcome.js';
import { isAuxItem, processAuxItems } from './aux-items.js';
import { InvalidEventError } from './normalize.js';
import type { EventDraft, PreparedEvent, StoredEvent } from './prepared.js';
import { iso } from './tally.js';
import {
  createPipeline,
  prepared,
  STEPS,
  type CommitBatch,
  type Pipeline,
  type PipelineDeps,
  type PrepareBatch,
} from './pipeline.js';
import { runBatchSteps, runEventStep, runOne, timed, type EventEnd } from './steps.js';

export type { PipelineDeps } from './pipeline.js';
export { STEP_NAMES } from './pipeline.js';

/** The deps once processBatch made sure there is a pipeline. */
type RunDeps = PipelineDeps & { pipeline: Pipeline };

export async function processBatch(deps: PipelineDeps, jobs: unknown[]): Promise<JobOutcome[]> {
  const outcomes: Array<JobOutcome | undefined> = new Array(jobs.length);
  const events: Array<{ index: number; job: EventJob }> = [];
  const aux: Array<{ index: number; job: AuxJob }> = [];
  jobs.forEach((data, index) => {
    const kind = (data as { kind?: unknown } | null)?.kind;
    const parsed = kind === 'event' ? eventJobSchema.safeParse(data) : auxJobSchema.safeParse(data);
    if (!parsed.success)
      outcomes[index] = { kind: 'invalid', message: `job payload does not match its schema: ${parsed.error.message}` };
    else if (parsed.data.kind === 'event') events.push({ index, job: parsed.data });
    else aux.push({ index, job: parsed.data as AuxJob });
  });
  const withPipeline: RunDeps = { ...deps, pipeline: deps.pipeline ?? createPipeline(deps.config) };
  await Promise.all([processEvents(withPipeline, events, outcomes), processAux(withPipeline, aux, outcomes)]);
  return outcomes.map((o) => o ?? { kind: 'failed', error: new Error('job was not processed (pipeline bug)') });
}

function newDraft(job: EventJob): EventDraft {
  return { projectId: job.projectId, eventId: job.eventId, receivedAt: job.receivedAt, job };
}

/** A per-event step threw: a payload that is not an event is invalid for good, anything else retries. */
function stepFailure(d: EventDraft, step: string, err: unknown): Extract<JobOutcome, { kind: 'invalid' | 'failed' }> {
  if (step === 'parse' || err instanceof InvalidEventError)
    return { kind: 'invalid', message: `${step}: ${(err as Error).message}` };
  return { kind: 'failed', error: new Error(`stage ${step} failed for event ${d.eventId}`, { cause: err }) };
}

/**
 * Runs the per-event steps on one job (no settings: default scrubbing, no filters). Returns the
 * prepared event or the job's final outcome.
 */
export function prepareEvent(job: EventJob, scrubbing?: EventDraft['scrubbing']): PreparedEvent | JobOutcome {
  const d: EventDraft = { ...newDraft(job), scrubbing };
  let outcome: JobOutcome | undefined;
  const end: EventEnd<EventDraft> = {
    dropped: (e, _step, reason) => (outcome = { kind: 'filtered', eventId: e.eventId, reason }),
    failed: (e, step, err) => (outcome = stepFailure(e, step, err)),
  };
  for (const step of STEPS.prepare) {
    if (step.kind !== 'event') continue;
    const result = runOne(step, d, end);
    if (result?.kind === 'drop') end.dropped(d, step.name, result.reason);
    if (outcome) return outcome;
  }
  return prepared(d);
}

async function processEvents(
  deps: RunDeps,
  items: Array<{ index: number; job: EventJob }>,
  outcomes: Array<JobOutcome | undefined>,
): Promise<void> {
  // The same event twice in one batch: prepare and store it once, settle both jobs alike.
  const byKey = new Map<string, number[]>();
  const drafts: EventDraft[] = [];
  for (const { index, job } of items) {
    const key = eventKey(job.projectId, job.eventId);
    const same = byKey.get(key);
    if (same) same.push(index);
    else {
      byKey.set(key, [index]);
      drafts.push(newDraft(job));
    }
  }
  const first = (d: EventDraft) => byKey.get(eventKey(d.projectId, d.eventId))![0]!;
  const end: EventEnd<EventDraft> = {
    dropped: (d, _step, reason) => (outcomes[first(d)] = { kind: 'filtered', eventId: d.eventId, reason }),
    failed: (d, step, err) => {
      const outcome = stepFailure(d, step, err);
      if (outcome.kind === 'failed')
        deps.log.error({ err: outcome.error, eventId: d.eventId, projectId: d.projectId }, 'event stage failed');
      outcomes[first(d)] = outcome;
    },
  };
  const live = await prepareBatch(deps.pipeline, { deps, state: deps.pipeline.state, events: drafts }, end);
  const results = await commitWithFallback(deps, live);
  for (const [key, indexes] of byKey) {
    const firstOutcome = outcomes[indexes[0]!] ?? results.get(key);
    indexes.forEach((i, n) => {
      outcomes[i] =
        n > 0 && firstOutcome?.kind === 'stored' ? { kind: 'duplicate', eventId: firstOutcome.eventId } : firstOutcome;
    });
  }
}

/** Runs the steps before the transaction, in list order; returns the events still live. */
async function prepareBatch(
  pipeline: Pipeline,
  batch: PrepareBatch,
  end: EventEnd<EventDraft>,
): Promise<PreparedEvent[]> {
  for (const step of pipeline.prepare) {
    if (batch.events.length === 0) break;
    if (step.kind === 'event') {
      batch.events = await timed(step.name, pipeline.timer, () => runEventStep(step, batch.events, end));
      continue;
    }
    try {
      await timed(step.name, pipeline.timer, () => step.run(batch));
    } catch (err) {
      for (const d of batch.events) end.failed(d, step.name, err);
      batch.events = [];
    }
  }
  return batch.events.map(prepared);
}

/** Commits the batch; if that fails, each event alone, so one bad event fails only itself. */
async function commitWithFallback(deps: RunDeps, events: PreparedEvent[]): Promise<Map<string, JobOutcome>> {
  if (events.length === 0) return new Map();
  try {
    return await commitEvents(deps, events);
  } catch (err) {
    if (events.length === 1) {
      deps.log.warn(
        { err, eventId: events[0]!.eventId, projectId: events[0]!.projectId },
        'event store failed, will retry',
      );
      return new Map([[eventKey(events[0]!.projectId, events[0]!.eventId), { kind: 'failed', error: err as Error }]]);
    }
    deps.log.warn({ err, size: events.length }, 'batch store failed, retrying events one by one');
    const results = new Map<string, JobOutcome>();
    for (const e of events) for (const [k, v] of await commitWithFallback(deps, [e])) results.set(k, v);
    return results;
  }
}

async function commitEvents(deps: RunDeps, events: PreparedEvent[]): Promise<Map<string, JobOutcome>> {
  const { pipeline } = deps;
  const now = new Date();
  const run = () =>
    withTransaction(deps.pool, async (tx) => {
      const batch: CommitBatch = { deps, tx, now, events };
      await runBatchSteps(pipeline.commit, batch, pipeline.timer);
      return batch;
    });
  let result: CommitBatch;
  try {
    result = await run();
  } catch (err) {
    if (!isMissingPartitionError(err)) throw err;
    const days = events.map((e) => iso(e.event.timestamp).slice(0, 10)).sort();
    await ensureEventPartitions(deps.pool, days[0]!, days.at(-1)!);
    result = await run();
  }
  const grouped = result.grouped!;
  const sampled = result.sampled!;
  const stored = result.stored!;
  const regressed = result.regressed!;
  const outcomes = new Map<string, JobOutcome>();
  for (const e of grouped.orphaned)
    outcomes.set(eventKey(e.projectId, e.eventId), { kind: 'dropped', reason: 'unknown-project' });
  for (const e of grouped.assigned)
    outcomes.set(eventKey(e.projectId, e.eventId), { kind: 'duplicate', eventId: e.eventId });
  for (const e of sampled.countOnly)
    outcomes.set(eventKey(e.projectId, e.eventId), { kind: 'sampled', eventId: e.eventId, issueId: e.issueId });
  const published: StoredEvent[] = [];
  for (const e of [...stored].sort((a, b) => a.event.timestamp - b.event.timestamp)) {
    outcomes.set(eventKey(e.projectId, e.eventId), { kind: 'stored', eventId: e.eventId, issueId: e.issueId });
    const isRegression = regressed.delete(e.issueId); // only the issue's first event in the batch
    published.push({
      projectId: e.projectId,
      eventId: e.eventId,
      issueId: e.issueId,
      timestamp: e.event.timestamp,
      title: e.summary.title,
      level: e.event.level,
      release: e.event.release ?? null,
      environment: e.event.environment ?? null,
      isNewIssue: e.isNewIssue,
      isRegression,
      receivedAt: e.receivedAt,
      serverName: e.event.server_name ?? null,
      tags: e.tags,
      userKey: e.userKey ?? null,
    });
  }
  deps.log.debug(
    { size: events.length, stored: stored.length, newIssues: grouped.newIssueIds.length },
    'batch committed',
  );
  await runBatchSteps(pipeline.afterCommit, { deps, stored, published }, pipeline.timer);
  return outcomes;
}

async function processAux(
  deps: RunDeps,
  all: Array<{ index: number; job: AuxJob }>,
  outcomes: Array<JobOutcome | undefined>,
): Promise<void> {
  await Promise.all([
    processCounters(
      deps,
      all.filter((i) => !isAuxItem(i.job)),
      outcomes,
    ),
    processItems(
      deps,
      all.filter((i) => isAuxItem(i.job)),
      outcomes,
    ),
  ]);
}

/** Feedback and check-ins (aux-items.ts); a failed batch is retried item by item. */
async function processItems(
  deps: RunDeps,
  items: Array<{ index: number; job: AuxJob }>,
  outcomes: Array<JobOutcome | undefined>,
): Promise<void> {
  if (items.length === 0) return;
  const inProcess = async (jobs: EventJob[]) =>
    processEvents(
      deps,
      jobs.map((job, index) => ({ index, job })),
      new Array(jobs.length),
    );
  try {
    const results = await processAuxItems(
      deps,
      items.map((i) => i.job),
      inProcess,
    );
    items.forEach(({ index }, n) => (outcomes[index] = results[n]!));
  } catch (err) {
    if (items.length === 1) {
      deps.log.warn({ err, kind: items[0]!.job.kind }, 'aux item failed, will retry');
      outcomes[items[0]!.index] = { kind: 'failed', error: err as Error };
      return;
    }
    for (const item of items) await processItems(deps, [item], outcomes);
  }
}

async function processCounters(
  deps: PipelineDeps,
  items: Array<{ index: number; job: AuxJob }>,
  outcomes: Array<JobOutcome | undefined>,
): Promise<void> {
  if (items.length === 0) return;
  const countDeps = { pool: deps.pool, redis: deps.redis, redisPrefix: deps.config.redis.prefix };
  try {
    const results = await countAuxJobs(
      countDeps,
      items.map((i) => i.job),
    );
    items.forEach(({ index }, n) => (outcomes[index] = results[n]!));
  } catch (err) {
    if (items.length === 1) {
      deps.log.warn({ err, kind: items[0]!.job.kind }, 'aux job failed, will retry');
      outcomes[items[0]!.index] = { kind: 'failed', error: err as Error };
      return;
    }
    deps.log.warn({ err, size: items.length }, 'aux batch failed, retrying jobs one by one');
    for (const item of items) await processCounters(deps, [item], outcomes);
  }
}
