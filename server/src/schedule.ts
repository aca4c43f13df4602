// Every periodic task of Faultline, in one list: what runs, how often, and where the work is.
// Worker roles (ROLE=worker and all) start a scheduler (scheduler/run.ts) over this list; however
// many processes run it, each task runs once per interval and never overlaps itself (a Redis
// lease: a process dying mid-run frees the task when its lease expires). Every run is timed and
// counted on /metrics; a failing run is logged and retried at the next interval.
// docs/operations.md ("Periodic tasks") lists the same table for operators.
import { requeueStrandedDeliveries, ALERT_SWEEP_INTERVAL_MS } from './alerts/send-alert.js';
import { evaluateObservedDeploys } from './alerts/deploy-verdict.js';
import { evaluateObservedFlagChanges } from './alerts/flag-change-verdict.js';
import type { Deps } from './deps.js';
import { ensureUpcomingPartitions, PARTITION_CHECK_MS } from './events/partitions.js';
import { queueSubmitter, runMonitorTick } from './monitors/scheduler.js';
import { flushOutcomes, OUTCOME_FLUSH_INTERVAL_MS, pruneOutcomeLedger } from './outcomes/flush.js';
import { pruneSampledEvents } from './outcomes/worker.js';
import { RETENTION_INTERVAL_MS, runRetention } from './retention/run.js';
import type { ScheduledTask } from './scheduler/run.js';
import { expireArtifactBundles } from './sourcemaps/store.js';

const HOUR_MS = 3_600_000;

export function scheduledTasks(deps: Deps): ScheduledTask[] {
  const { pool, redis, config } = deps;
  const log = deps.log.child({ component: 'schedule' });
  const tasks: ScheduledTask[] = [
    // Daily events partitions from the oldest accepted day to 3 days ahead (also at worker start).
    {
      name: 'event-partitions',
      every: PARTITION_CHECK_MS,
      run: () => ensureUpcomingPartitions(pool, config.retention.days),
    },
    // Drops event partitions older than RETENTION_DAYS, abandoned issues, old counts and artifacts.
    {
      name: 'retention',
      every: RETENTION_INTERVAL_MS,
      run: () =>
        runRetention(
          { pool, log },
          { retentionDays: config.retention.days, now: () => new Date(), expireArtifacts: expireArtifactBundles },
        ),
    },
    // Moves the outcome counters (ingest and worker) from Redis into outcome_counts.
    {
      name: 'outcome-flush',
      every: OUTCOME_FLUSH_INTERVAL_MS,
      run: () => flushOutcomes({ pool, redis, prefix: config.redis.prefix, log }),
    },
    { name: 'outcome-ledger-prune', every: HOUR_MS, run: () => pruneOutcomeLedger(pool) },
    // Spike protection's sampled_events rows only have to outlive re-deliveries.
    { name: 'sampled-events-prune', every: HOUR_MS, run: () => pruneSampledEvents(pool) },
    // Alert deliveries whose job never reached Redis are enqueued again.
    { name: 'alert-sweep', every: ALERT_SWEEP_INTERVAL_MS, run: () => requeueStrandedDeliveries(deps) },
    // Deploys and flag changes in their observation window are judged; failing ones alert.
    { name: 'deploy-verdicts', every: ALERT_SWEEP_INTERVAL_MS, run: () => evaluateObservedDeploys(deps) },
    { name: 'flag-change-verdicts', every: ALERT_SWEEP_INTERVAL_MS, run: () => evaluateObservedFlagChanges(deps) },
  ];
  // Missed and timed-out cron check-ins (MONITOR_TICK_SECONDS; 0 turns it off).
  if (config.monitors.tickMs > 0) {
    const submit = queueSubmitter(deps.queue);
    tasks.push({
      name: 'monitor-tick',
      every: config.monitors.tickMs,
      run: () => runMonitorTick({ pool, log, submit }, new Date()),
    });
  }
  return tasks;
}
