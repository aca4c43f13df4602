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
// 3. Per event, pure CPU, no I/O (prepareEvent): parse the JSON → normalize (every shape SDKs
//    send becomes one canonical event; timestamp clamped to the received time when > 60 s ahead
//    or > 30 days old) → scrub (scrub.ts: passwords, tokens, auth headers, cookies, card numbers
//    replaced with the project's data-scrubbing settings, loaded once per batch, before anything
//    is derived or stored) → fingerprint (grouping hashes, title, culprit) → tag (derived + own
//    tags). A payload that is not an event fails here permanently (UnrecoverableError).
//    Then, for the batch, filter (filter.ts: the project's inbound filters; a match ends the
//    event with the `filtered` outcome) and symbolicate (symbolicate.ts): minified JavaScript
//    frames are mapped through uploaded source maps (lookups outside any transaction) and the
//    events it changed are fingerprinted again, so issues group on the original frames.
// 4. Per batch, ONE short transaction: group (advisory locks on the (project, hash) pairs in
//    sorted order, one hash lookup, one insert for the new issues) → sample (sample.ts: spike
//    protection; past SPIKE_EVENTS_PER_MINUTE per issue only a sample goes on to store, the
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
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Deps } from '../deps.js';
import { withTransaction } from '../db/tx.js';
import { ensureEventPartitions, eventKey, isMissingPartitionError } from '../events/queries.js';
import { auxJobSchema, eventJobSchema, type AuxJob, type EventJob } from '../queue/queues.js';
import { countAuxJobs } from '../sessions/count-aux.js';
import type { CheckInDropReason } from '../monitors/record-check-in.js';
import { isAuxItem, processAuxItems } from './aux-items.js';
import { count } from './count.js';
import { eventTags, userTagValue } from './event-tags.js';
import { fingerprint } from './fingerprint.js';
import { group } from './group.js';
import { InvalidEventError, normalizeEvent, parseEventJson } from './normalize.js';
import type { PreparedEvent, StoredEvent } from './prepared.js';
import { notify } from './notify.js';
import { assign } from './assign.js';
import { publishEvents } from './publish.js';
import { loadScrubInputs, scrub, type ScrubInput } from './scrub.js';
import { store } from './store.js';
import { symbolicatePrepared } from './symbolicate.js';
import { filter } from './filter.js';
import { sample } from './sample.js';
import type { FilterReason } from '../../../ingest/src/filters/settings.js';
import { iso } from './tally.js';
import { eventFlags } from '../flags/evaluations.js';

/** `queue`: where monitor failure events go; without it (tests) they are processed in the same call. */
export type PipelineDeps = Pick<Deps, 'pool' | 'log' | 'redis' | 'config'> & { queue?: Deps['queue'] };

// Preparing a large batch is CPU work of tens of milliseconds; letting I/O callbacks (lock
// renewals, the other batch's queries) run in between keeps the worker responsive.
const YIELD_EVERY_EVENTS = 50;

export type DropReason = 'unknown-project' | 'invalid-session' | 'invalid-client-report' | 'invalid-counter' | 'invalid-feedback' | CheckInDropReason;

/** What happened to one job. `invalid` must not be retried; `failed` should be. */
export type JobOutcome =
  | { kind: 'stored'; eventId: string; issueId: string }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'counted' }
  | { kind: 'dropped'; reason: DropReason }
  | { kind: 'filtered'; eventId: string; reason: FilterReason }
  | { kind: 'sampled'; eventId: string; issueId: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'failed'; error: Error };

/** The per-event stages, in order; prepareEvent runs them (see 3. above). */
export const EVENT_STAGES = ['parse', 'normalize', 'scrub', 'fingerprint', 'tag'] as const;
/** The per-batch stages, in order: symbolicate, one transaction, then after commit (4., 5.). */
export const BATCH_STAGES = ['filter', 'symbolicate', 'group', 'sample', 'store', 'count', 'publish', 'assign', 'notify'] as const;

export async function processBatch(deps: PipelineDeps, jobs: unknown[]): Promise<JobOutcome[]> {
  const outcomes: Array<JobOutcome | undefined> = new Array(jobs.length);
  const events: Array<{ index: number; job: EventJob }> = [];
  const aux: Array<{ index: number; job: AuxJob }> = [];
  jobs.forEach((data, index) => {
    const kind = (data as { kind?: unknown } | null)?.kind;
    const parsed = kind === 'event' ? eventJobSchema.safeParse(data) : auxJobSchema.safeParse(data);
    if (!parsed.success) outcomes[index] = { kind: 'invalid', message: `job payload does not match its schema: ${parsed.error.message}` };
    else if (parsed.data.kind === 'event') events.push({ index, job: parsed.data });
    else aux.push({ index, job: parsed.data as AuxJob });
  });
  await Promise.all([processEvents(deps, events, outcomes), processAux(deps, aux, outcomes)]);
  return outcomes.map((o) => o ?? { kind: 'failed', error: new Error('job was not processed (pipeline bug)') });
}

/** Runs the per-event stages. Returns the prepared event or the job's final outcome. */
export function prepareEvent(job: EventJob, scrubbing?: ScrubInput): PreparedEvent | JobOutcome {
  let stage: (typeof EVENT_STAGES)[number] = 'parse';
  try {
    const raw = parseEventJson(job.payload);
    stage = 'normalize';
    const event = normalizeEvent(raw, { eventId: job.eventId, receivedAt: job.receivedAt, clientIp: job.meta.clientIp });
    stage = 'scrub';
    scrub(event, scrubbing);
    stage = 'fingerprint';
    const { grouping, summary } = fingerprint(event);
    stage = 'tag';
    const tags = eventTags(event);
    return { projectId: job.projectId, eventId: job.eventId, receivedAt: job.receivedAt, event, grouping, summary, tags, userKey: userTagValue(event), flags: eventFlags(event) };
  } catch (err) {
    if (stage === 'parse' || err instanceof InvalidEventError) return { kind: 'invalid', message: `${stage}: ${(err as Error).message}` };
    return { kind: 'failed', error: new Error(`stage ${stage} failed for event ${job.eventId}`, { cause: err }) };
  }
}

async function processEvents(deps: PipelineDeps, items: Array<{ index: number; job: EventJob }>, outcomes: Array<JobOutcome | undefined>): Promise<void> {
  // The same event twice in one batch: prepare and store it once, settle both jobs alike.
  const byKey = new Map<string, number[]>();
  const prepared: PreparedEvent[] = [];
  const scrubbing = await loadScrubInputs(deps, items.map((i) => i.job.projectId));
  for (const [n, { index, job }] of items.entries()) {
    if (n > 0 && n % YIELD_EVERY_EVENTS === 0) await yieldToEventLoop();
    const key = eventKey(job.projectId, job.eventId);
    const same = byKey.get(key);
    if (same) {
      same.push(index);
      continue;
    }
    byKey.set(key, [index]);
    const p = prepareEvent(job, scrubbing(job.projectId));
    if ('kind' in p) {
      if (p.kind === 'failed') deps.log.error({ err: p.error, eventId: job.eventId, projectId: job.projectId }, 'event stage failed');
      outcomes[index] = p;
    } else prepared.push(p);
  }
  const filtered = await filter(deps.pool, prepared); // the project's inbound filters (filter.ts)
  for (const d of filtered.dropped) outcomes[byKey.get(eventKey(d.event.projectId, d.event.eventId))![0]!] = 'reason' in d ? { kind: 'filtered', eventId: d.event.eventId, reason: d.reason } : { kind: 'failed', error: d.error };
  await symbolicatePrepared(deps, filtered.kept); // source maps; regroups what it changed, never throws
  const results = await commitWithFallback(deps, filtered.kept);
  for (const [key, indexes] of byKey) {
    const first = outcomes[indexes[0]!] ?? results.get(key);
    indexes.forEach((i, n) => {
      outcomes[i] = n > 0 && first?.kind === 'stored' ? { kind: 'duplicate', eventId: first.eventId } : first;
    });
  }
}

/** Commits the batch; if that fails, each event alone, so one bad event fails only itself. */
async function commitWithFallback(deps: PipelineDeps, events: PreparedEvent[]): Promise<Map<string, JobOutcome>> {
  if (events.length === 0) return new Map();
  try {
    return await commitEvents(deps, events);
  } catch (err) {
    if (events.length === 1) {
      deps.log.warn({ err, eventId: events[0]!.eventId, projectId: events[0]!.projectId }, 'event store failed, will retry');
      return new Map([[eventKey(events[0]!.projectId, events[0]!.eventId), { kind: 'failed', error: err as Error }]]);
    }
    deps.log.warn({ err, size: events.length }, 'batch store failed, retrying events one by one');
    const results = new Map<string, JobOutcome>();
    for (const e of events) for (const [k, v] of await commitWithFallback(deps, [e])) results.set(k, v);
    return results;
  }
}

async function commitEvents(deps: PipelineDeps, events: PreparedEvent[]): Promise<Map<string, JobOutcome>> {
  const now = new Date();
  const run = () =>
    withTransaction(deps.pool, async (tx) => {
      const grouped = await group(tx, events);
      const sampled = await sample(tx, deps, grouped.assigned); // spike protection (sample.ts)
      const stored = await store(tx, sampled.keep, grouped.newIssueIds);
      const regressed = await count(tx, [...stored, ...sampled.countOnly], now);
      return { grouped, sampled, stored, regressed };
    });
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run();
  } catch (err) {
    if (!isMissingPartitionError(err)) throw err;
    const days = events.map((e) => iso(e.event.timestamp).slice(0, 10)).sort();
    await ensureEventPartitions(deps.pool, days[0]!, days.at(-1)!);
    result = await run();
  }
  const { grouped, sampled, stored, regressed } = result;
  const outcomes = new Map<string, JobOutcome>();
  for (const e of grouped.orphaned) outcomes.set(eventKey(e.projectId, e.eventId), { kind: 'dropped', reason: 'unknown-project' });
  for (const e of grouped.assigned) outcomes.set(eventKey(e.projectId, e.eventId), { kind: 'duplicate', eventId: e.eventId });
  for (const e of sampled.countOnly) outcomes.set(eventKey(e.projectId, e.eventId), { kind: 'sampled', eventId: e.eventId, issueId: e.issueId });
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
  deps.log.debug({ size: events.length, stored: stored.length, newIssues: grouped.newIssueIds.length }, 'batch committed');
  await publishEvents(deps, published).catch((err: unknown) => deps.log.warn({ err }, 'publishing stored events failed'));
  await assign(deps, stored.filter((e) => e.isNewIssue).map((e) => ({
    projectId: e.projectId, issueId: e.issueId, release: e.event.release ?? null, environment: e.event.environment ?? null,
    payload: e.event as unknown as Record<string, unknown>,
  })));
  await notify(deps, published);
  return outcomes;
}

async function processAux(deps: PipelineDeps, all: Array<{ index: number; job: AuxJob }>, outcomes: Array<JobOutcome | undefined>): Promise<void> {
  await Promise.all([processCounters(deps, all.filter((i) => !isAuxItem(i.job)), outcomes), processItems(deps, all.filter((i) => isAuxItem(i.job)), outcomes)]);
}

/** Feedback and check-ins (aux-items.ts); a failed batch is retried item by item. */
async function processItems(deps: PipelineDeps, items: Array<{ index: number; job: AuxJob }>, outcomes: Array<JobOutcome | undefined>): Promise<void> {
  if (items.length === 0) return;
  const inProcess = async (jobs: EventJob[]) => processEvents(deps, jobs.map((job, index) => ({ index, job })), new Array(jobs.length));
  try {
    const results = await processAuxItems(deps, items.map((i) => i.job), inProcess);
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

async function processCounters(deps: PipelineDeps, items: Array<{ index: number; job: AuxJob }>, outcomes: Array<JobOutcome | undefined>): Promise<void> {
  if (items.length === 0) return;
  const countDeps = { pool: deps.pool, redis: deps.redis, redisPrefix: deps.config.redis.prefix };
  try {
    const results = await countAuxJobs(countDeps, items.map((i) => i.job));
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
