// The two shapes a pipeline step takes and the runner that runs a list of them, timing each step
// by name (faultline_pipeline_step_seconds{step}). A per-event step is pure CPU on one event and
// says `continue` or `drop(reason)`; a batch step does the I/O for all of a batch's events at once.
// Each step runs over the whole batch before the next one starts, so a step is timed once per batch.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FilterReason } from './filter.js';

/** Why a per-event step ended an event on purpose (an expected loss, with its own outcome). */
export type EventDropReason = FilterReason;

export type StepResult = { kind: 'continue' } | { kind: 'drop'; reason: EventDropReason };

export const CONTINUE: StepResult = Object.freeze({ kind: 'continue' });
export const drop = (reason: EventDropReason): StepResult => ({ kind: 'drop', reason });

/** Pure CPU on one event. Throwing fails the event alone (retried), never its neighbours. */
export interface EventStep<E> {
  kind: 'event';
  name: string;
  run(event: E): StepResult;
}

/** I/O for a whole batch; its events stay in the batch unless the step ends them itself. */
export interface BatchStep<B> {
  kind: 'batch';
  name: string;
  run(batch: B): Promise<void>;
}

/** Where step timings go (the worker: the Prometheus histogram; tests: anything). */
export type StepTimer = (step: string, seconds: number) => void;

/** How the runner settles an event a per-event step ended: dropped on purpose, or thrown. */
export interface EventEnd<E> {
  dropped(event: E, step: string, reason: EventDropReason): void;
  failed(event: E, step: string, err: unknown): void;
}

// Running a large batch's CPU steps is tens of milliseconds; letting I/O callbacks (lock
// renewals, the other batch's queries) run in between keeps the worker responsive.
const YIELD_EVERY_EVENTS = 50;

/**
 * Runs one per-event step over the live events; returns the ones that continue. `yieldEvery`
 * 0 runs without yielding (prepareEvent, one event).
 */
export async function runEventStep<E>(
  step: EventStep<E>,
  events: E[],
  end: EventEnd<E>,
  yieldEvery = YIELD_EVERY_EVENTS,
): Promise<E[]> {
  const live: E[] = [];
  for (const [n, e] of events.entries()) {
    if (yieldEvery > 0 && n > 0 && n % yieldEvery === 0) await yieldToEventLoop();
    const result = runOne(step, e, end);
    if (result === null) continue;
    if (result.kind === 'drop') end.dropped(e, step.name, result.reason);
    else live.push(e);
  }
  return live;
}

/** One event through one step; null when it threw (already settled through `end.failed`). */
export function runOne<E>(step: EventStep<E>, e: E, end: EventEnd<E>): StepResult | null {
  try {
    return step.run(e);
  } catch (err) {
    end.failed(e, step.name, err);
    return null;
  }
}

/** Runs a step and reports its wall time under its name, also when it throws. */
export async function timed<T>(name: string, timer: StepTimer, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    timer(name, (performance.now() - started) / 1000);
  }
}

/** Runs batch steps in order, each timed; a step that throws ends the list (the caller decides). */
export async function runBatchSteps<B>(steps: ReadonlyArray<BatchStep<B>>, batch: B, timer: StepTimer): Promise<void> {
  for (const step of steps) await timed(step.name, timer, () => step.run(batch));
}
