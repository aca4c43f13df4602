// Turns the recorded SDK requests in test/fixtures/sdk-captures/ into process-event job payloads,
// the way ingest would enqueue them: one job per event item, one aux job per session item.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AuxJob, EventJob, ProcessJob } from '../../server/src/shared/queues.js';

const CAPTURES = path.resolve(import.meta.dirname, '../fixtures/sdk-captures');

interface Capture {
  url: string;
  headers: Record<string, string>;
  body_base64: string;
}

function body(c: Capture): string {
  const raw = Buffer.from(c.body_base64, 'base64');
  return (c.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

/** Items of an envelope whose items carry no length (each payload is one line). */
function envelopeItems(text: string): Array<{ type: string; payload: string; header: Record<string, unknown> }> {
  const lines = text.split('\n');
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  const items: Array<{ type: string; payload: string; header: Record<string, unknown> }> = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    const itemHeader = JSON.parse(lines[i]!) as { type: string };
    items.push({ type: itemHeader.type, payload: lines[i + 1]!, header });
  }
  return items;
}

export interface FixtureOptions {
  projectId: string;
  receivedAt: number;
  clientIp?: string;
}

/** Jobs for every capture file in one SDK folder, in file order. */
export function fixtureJobs(folder: 'node-sdk-11.12' | 'python-sdk-1.9.10', opts: FixtureOptions): ProcessJob[] {
  const dir = path.join(CAPTURES, folder);
  const jobs: ProcessJob[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const capture = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Capture;
    const text = body(capture);
    if (capture.url.includes('/store/')) {
      jobs.push(eventJob(JSON.parse(text) as { event_id: string }, text, opts));
      continue;
    }
    for (const item of envelopeItems(text)) {
      if (item.type === 'event') {
        const eventId =
          (item.header.event_id as string | undefined) ?? (JSON.parse(item.payload) as { event_id: string }).event_id;
        jobs.push(eventJob({ event_id: eventId }, item.payload, opts));
      } else if (item.type === 'session' || item.type === 'sessions' || item.type === 'client_report') {
        const aux: AuxJob = {
          v: 1,
          kind: item.type,
          projectId: opts.projectId,
          receivedAt: opts.receivedAt,
          payload: item.payload,
        };
        jobs.push(aux);
      }
    }
  }
  return jobs;
}

function eventJob(ids: { event_id: string }, payload: string, opts: FixtureOptions): EventJob {
  return {
    v: 1,
    kind: 'event',
    projectId: opts.projectId,
    eventId: ids.event_id.replace(/-/g, '').toLowerCase(),
    receivedAt: opts.receivedAt,
    payload,
    meta: opts.clientIp ? { clientIp: opts.clientIp } : {},
  };
}

/** A small synthetic error event job (for counting and concurrency tests). */
export function syntheticEventJob(
  opts: FixtureOptions & {
    eventId: string;
    type?: string;
    value?: string;
    user?: string;
    release?: string;
    timestamp?: number;
  },
): EventJob {
  const event = {
    platform: 'node',
    level: 'error',
    timestamp: opts.timestamp ?? opts.receivedAt / 1000 - 1,
    release: opts.release ?? 'app@1.0.0',
    environment: 'production',
    user: opts.user ? { id: opts.user } : undefined,
    tags: { region: 'eu' },
    exception: {
      values: [
        {
          type: opts.type ?? 'SyntheticError',
          value: opts.value ?? 'something broke',
          stacktrace: {
            frames: [
              { filename: '/srv/app/main.js', function: 'main', lineno: 3, colno: 7, in_app: true, module: 'main' },
            ],
          },
        },
      ],
    },
  };
  return {
    v: 1,
    kind: 'event',
    projectId: opts.projectId,
    eventId: opts.eventId,
    receivedAt: opts.receivedAt,
    payload: JSON.stringify(event),
    meta: {},
  };
}
