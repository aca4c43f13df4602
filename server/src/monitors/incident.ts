// A monitor environment's failure as an event: the scheduler and the check-in path hand it to
// the normal pipeline, so it groups into one issue per monitor and environment ("Monitor
// failure: nightly-sync (missed)"), counts, and fires alert rules like any error. The event id is
// derived from the failing check-in, so a retried step submits the same event (stored once).
import { createHash } from 'node:crypto';
import type { EventJob } from '../shared/queues.js';
import type { MonitorRow } from './queries.js';

export type FailureReason = 'missed' | 'timeout' | 'error';

export function failureEventId(checkInId: string): string {
  return createHash('md5').update(`monitor-failure:${checkInId}`).digest('hex');
}

export function failureTitle(slug: string, reason: FailureReason): string {
  return `Monitor failure: ${slug} (${reason === 'timeout' ? 'timed out' : reason})`;
}

export function failureEventJob(args: {
  monitor: MonitorRow;
  environment: string;
  reason: FailureReason;
  checkInId: string;
  expectedAt: Date | null;
  at: Date;
}): EventJob {
  const { monitor, environment, reason, at } = args;
  const eventId = failureEventId(args.checkInId);
  const event = {
    event_id: eventId,
    timestamp: at.getTime() / 1000,
    level: 'error',
    platform: 'other',
    logger: 'monitors',
    message: failureTitle(monitor.slug, reason),
    environment,
    fingerprint: ['monitor-failure', monitor.slug, environment],
    tags: { 'monitor.slug': monitor.slug, 'monitor.reason': reason },
    contexts: {
      monitor: {
        type: 'monitor',
        slug: monitor.slug,
        name: monitor.name,
        reason,
        check_in_id: args.checkInId,
        expected_at: args.expectedAt?.toISOString() ?? null,
        schedule:
          monitor.schedule.type === 'crontab'
            ? monitor.schedule.value
            : `every ${monitor.schedule.value} ${monitor.schedule.unit}`,
        timezone: monitor.schedule.timezone,
      },
    },
  };
  return {
    v: 1,
    kind: 'event',
    projectId: monitor.projectId,
    eventId,
    receivedAt: at.getTime(),
    payload: JSON.stringify(event),
    meta: {},
  };
}
