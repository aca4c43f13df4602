// Fault injection through the pipeline's composition (never a branch in production code): a
// per-event step, placed right after normalize, that fails every event carrying a marker string.
import type { PipelineOptions, PipelineSteps } from '../../server/src/pipeline/pipeline.js';
import { CONTINUE, type EventStep } from '../../server/src/pipeline/steps.js';
import type { EventDraft } from '../../server/src/pipeline/prepared.js';

/** Events whose message or exception contains `marker` fail on every attempt ("poisoned event"). */
export function poisonStep(marker: string): EventStep<EventDraft> {
  return {
    kind: 'event',
    name: 'poison',
    run(d) {
      if (JSON.stringify(d.event?.logentry ?? d.event?.exception ?? '').includes(marker))
        throw new Error('poisoned event (test fault)');
      return CONTINUE;
    },
  };
}

/** Pipeline options inserting `step` after the step named `after`. */
export function withStepAfter(after: string, step: EventStep<EventDraft>): PipelineOptions {
  return {
    compose: (steps: PipelineSteps): PipelineSteps => {
      const at = steps.prepare.findIndex((s) => s.name === after);
      if (at < 0) throw new Error(`no pipeline step named ${after}`);
      return { ...steps, prepare: [...steps.prepare.slice(0, at + 1), step, ...steps.prepare.slice(at + 1)] };
    },
  };
}
