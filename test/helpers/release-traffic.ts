// Generated error traffic for deploy-health tests: hosts (server_name) running a release emit
// an error at a steady interval over a time span; the events go through the real pipeline
// (processBatch), so issues, first releases and regressions come out as in production.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { processBatch, type PipelineDeps } from '../../server/src/pipeline/process-event.js';
import type { AuxJob, EventJob } from '../../server/src/shared/queues.js';

export interface Stream {
  hosts: string[];
  release: string;
  /** The error: one issue per distinct type + function. */
  error: { type: string; value: string; fn: string };
  from: Date;
  to: Date;
  /** Seconds between two events of one host. */
  everySeconds: number;
  environment?: string;
}

export function streamJobs(projectId: string, s: Stream, receivedAt: number): EventJob[] {
  const jobs: EventJob[] = [];
  s.hosts.forEach((host, h) => {
    // hosts are phase-shifted so windows never cut all of them at the same instant
    const offset = ((h + 1) * s.everySeconds * 1000) / (s.hosts.length + 1);
    for (let t = s.from.getTime() + offset; t < s.to.getTime(); t += s.everySeconds * 1000) {
      const eventId = randomBytes(16).toString('hex');
      const event = {
        event_id: eventId,
        platform: 'node',
        level: 'error',
        timestamp: t / 1000,
        release: s.release,
        environment: s.environment ?? 'production',
        server_name: host,
        exception: {
          values: [
            {
              type: s.error.type,
              value: s.error.value,
              stacktrace: {
                frames: [
                  {
                    filename: '/srv/app/shop.js',
                    abs_path: '/srv/app/shop.js',
                    function: s.error.fn,
                    module: 'shop',
                    lineno: 10,
                    colno: 3,
                    in_app: true,
                  },
                ],
              },
            },
          ],
        },
      };
      jobs.push({ v: 1, kind: 'event', projectId, eventId, receivedAt, payload: JSON.stringify(event), meta: {} });
    }
  });
  return jobs;
}

/** Runs the streams' events through the pipeline in batches; every one must be stored. */
export async function sendTraffic(deps: PipelineDeps, projectId: string, streams: Stream[]): Promise<number> {
  const receivedAt = Date.now();
  const jobs = streams.flatMap((s) => streamJobs(projectId, s, receivedAt));
  for (let i = 0; i < jobs.length; i += 500) {
    const outcomes = await processBatch(deps, jobs.slice(i, i + 500));
    expect(outcomes.filter((o) => o.kind !== 'stored').map((o) => o.kind)).toEqual([]);
  }
  return jobs.length;
}

export const minutes = (n: number) => n * 60_000;

/**
 * Sessions of one release started evenly over [from, to): `crashed` of them crash, `unhandled`
 * end with an unhandled error, the rest exit cleanly. Each is an init update and a final one,
 * through the real pipeline (processBatch → session state → counts).
 */
export async function sendSessions(
  deps: PipelineDeps,
  projectId: string,
  s: {
    release: string;
    from: Date;
    to: Date;
    total: number;
    crashed?: number;
    unhandled?: number;
    environment?: string;
  },
): Promise<void> {
  const receivedAt = Date.now();
  const jobs: AuxJob[] = [];
  const step = (s.to.getTime() - s.from.getTime()) / s.total;
  for (let i = 0; i < s.total; i++) {
    const sid = randomBytes(16).toString('hex');
    const started = new Date(s.from.getTime() + step * (i + 0.5)).toISOString();
    const status =
      i < (s.crashed ?? 0) ? 'crashed' : i < (s.crashed ?? 0) + (s.unhandled ?? 0) ? 'unhandled' : 'exited';
    const attrs = { release: s.release, environment: s.environment ?? 'production' };
    for (const update of [
      { init: true, status: 'ok', errors: 0 },
      { init: false, status, errors: status === 'exited' ? 0 : 1 },
    ]) {
      jobs.push({
        v: 1,
        kind: 'session',
        projectId,
        receivedAt,
        payload: JSON.stringify({ sid, did: `user-${i}`, started, duration: 1, attrs, ...update }),
      });
    }
  }
  for (let i = 0; i < jobs.length; i += 500) {
    const outcomes = await processBatch(deps, jobs.slice(i, i + 500));
    expect(outcomes.filter((o) => o.kind !== 'counted').map((o) => o.kind)).toEqual([]);
  }
}
