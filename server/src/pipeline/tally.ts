// Pure aggregation for the count stage: the newly stored events of a batch become one counter
// delta per issue, per (issue, hour), per (issue, tag, value), per release and per environment.
// Rows come out sorted by their keys so concurrent transactions lock them in the same order.
import type { HourlyCountRow, TagValueRow } from '../issues/queries.js';
import type { EnvironmentSeenRow, ReleaseSeenRow } from '../releases/queries.js';
import { compareIds } from '../db/ids.js';
import type { AssignedEvent } from './prepared.js';

export interface IssueDelta {
  issueId: string;
  eventCount: number;
  firstSeen: number; // seconds
  lastSeen: number;
  /** The batch's newest event of this issue (title, level, release… follow it). */
  latest: AssignedEvent;
  /** Release of the batch's oldest event of this issue that has one. */
  firstRelease: string | null;
  events: AssignedEvent[];
}

export interface Tally {
  issues: IssueDelta[];
  hourly: HourlyCountRow[];
  tags: TagValueRow[];
  releases: ReleaseSeenRow[];
  environments: EnvironmentSeenRow[];
}

const HOUR_SECONDS = 3600;

// A batch formats the same instants many times (each tag row's first and last seen, the hour
// buckets, the events' own times): remember the recent ones instead of building a Date each time.
const ISO_MEMO_MAX = 4096;
const isoMemo = new Map<number, string>();

/** Seconds since the epoch (fractions kept to the millisecond) as an ISO 8601 UTC string. */
export function iso(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  let text = isoMemo.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString();
    if (isoMemo.size >= ISO_MEMO_MAX) isoMemo.clear();
    isoMemo.set(ms, text);
  }
  return text;
}

export function tally(events: AssignedEvent[]): Tally {
  const issues = new Map<string, IssueDelta>();
  const hourly = new Map<string, HourlyCountRow>();
  const tags = new Map<string, { row: TagValueRow; first: number; last: number }>();
  const releases = new Map<string, { row: ReleaseSeenRow; first: number; last: number }>();
  const envs = new Map<string, { row: EnvironmentSeenRow; first: number; last: number }>();
  const ordered = [...events].sort((a, b) => a.event.timestamp - b.event.timestamp);

  for (const e of ordered) {
    const ts = e.event.timestamp;
    const d = issues.get(e.issueId);
    if (!d)
      issues.set(e.issueId, {
        issueId: e.issueId,
        eventCount: 1,
        firstSeen: ts,
        lastSeen: ts,
        latest: e,
        firstRelease: e.event.release ?? null,
        events: [e],
      });
    else {
      d.eventCount++;
      d.lastSeen = ts;
      d.latest = e;
      d.firstRelease ??= e.event.release ?? null;
      d.events.push(e);
    }

    const hour = iso(Math.floor(ts / HOUR_SECONDS) * HOUR_SECONDS);
    const h = hourly.get(`${e.issueId}|${hour}`);
    if (h) h.count++;
    else hourly.set(`${e.issueId}|${hour}`, { issueId: e.issueId, hour, count: 1 });

    for (const [key, value] of e.tags) {
      if (value === '') continue;
      const k = `${e.issueId}\u0000${key}\u0000${value}`;
      const t = tags.get(k);
      if (t) {
        t.row.count++;
        t.last = ts;
      } else
        tags.set(k, {
          row: { issueId: e.issueId, key, value, count: 1, firstSeen: '', lastSeen: '' },
          first: ts,
          last: ts,
        });
    }

    const release = e.event.release;
    if (release) {
      const k = `${e.projectId}\u0000${release}`;
      const r = releases.get(k) ?? {
        row: { projectId: e.projectId, version: release, firstEventAt: '', lastEventAt: '', newIssueCount: 0 },
        first: ts,
        last: ts,
      };
      r.last = ts;
      if (e.isNewIssue) r.row.newIssueCount++;
      releases.set(k, r);
    }
    const env = e.event.environment;
    if (env) {
      const k = `${e.projectId}\u0000${env}`;
      const v = envs.get(k) ?? {
        row: { projectId: e.projectId, name: env, firstSeen: '', lastSeen: '' },
        first: ts,
        last: ts,
      };
      v.last = ts;
      envs.set(k, v);
    }
  }

  return {
    issues: [...issues.values()].sort((a, b) => compareIds(a.issueId, b.issueId)),
    hourly: [...hourly.values()].sort((a, b) => compareIds(a.issueId, b.issueId) || cmp(a.hour, b.hour)),
    tags: [...tags.values()]
      .map(({ row, first, last }) => ({ ...row, firstSeen: iso(first), lastSeen: iso(last) }))
      .sort((a, b) => compareIds(a.issueId, b.issueId) || cmp(a.key, b.key) || cmp(a.value, b.value)),
    releases: [...releases.values()]
      .map(({ row, first, last }) => ({ ...row, firstEventAt: iso(first), lastEventAt: iso(last) }))
      .sort((a, b) => compareIds(a.projectId, b.projectId) || cmp(a.version, b.version)),
    environments: [...envs.values()]
      .map(({ row, first, last }) => ({ ...row, firstSeen: iso(first), lastSeen: iso(last) }))
      .sort((a, b) => compareIds(a.projectId, b.projectId) || cmp(a.name, b.name)),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
