// Wraps one pipeline batch for the metrics: its size and duration, each job's outcome, and for
// stored events the processing lag (ingest accepted → batch committed).
import type { JobOutcome } from '../queue/job-outcome.js';
import type { ProcessJob } from '../shared/queues.js';
import { pipelineBatchDuration, pipelineBatchSize, pipelineOutcomes, processingLag } from './registry.js';

export async function observeBatch(jobs: ProcessJob[], run: () => Promise<JobOutcome[]>): Promise<JobOutcome[]> {
  const started = process.hrtime.bigint();
  pipelineBatchSize.observe(jobs.length);
  const outcomes = await run();
  pipelineBatchDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
  const now = Date.now();
  outcomes.forEach((o, i) => {
    pipelineOutcomes.inc({ outcome: o.kind });
    const receivedAt = jobs[i]?.receivedAt;
    if (o.kind === 'stored' && typeof receivedAt === 'number')
      processingLag.observe(Math.max(0, now - receivedAt) / 1000);
  });
  return outcomes;
}
