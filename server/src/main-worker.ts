// Worker entry: consumes the process-event queue and hands batches to the pipeline. (Stub.)
import type { Deps } from './deps.js';

export async function startWorker(_deps: Deps): Promise<{ close: () => Promise<void> }> {
  return { close: async () => {} };
}
