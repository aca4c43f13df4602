// Pure aggregation of a batch's feature-flag evaluations for the count stage: per (issue, flag,
// result), per (project, flag, result, hour) and per minute, plus every event per (project,
// minute) — the flag-change verdict's overall windows. Rows come out sorted (lock order).
import type { FlagCountRows } from '../flags/queries.js';
import { compareIds } from '../db/ids.js';
import type { AssignedEvent } from './prepared.js';
import { iso } from './tally.js';

const HOUR = 3600;
const MINUTE = 60;

export function tallyFlags(events: AssignedEvent[]): FlagCountRows {
  const issue = new Map<string, FlagCountRows['issueValues'][number]>();
  const hours = new Map<string, FlagCountRows['projectHours'][number]>();
  const minutes = new Map<string, FlagCountRows['projectMinutes'][number]>();
  const eventMinutes = new Map<string, FlagCountRows['eventMinutes'][number]>();
  for (const e of events) {
    const ts = e.event.timestamp;
    const hour = iso(Math.floor(ts / HOUR) * HOUR);
    const minute = iso(Math.floor(ts / MINUTE) * MINUTE);
    const isNew = e.isNewIssue ? 1 : 0;
    const em = eventMinutes.get(`${e.projectId}|${minute}`);
    if (em) {
      em.eventCount++;
      em.newIssueCount += isNew;
    } else
      eventMinutes.set(`${e.projectId}|${minute}`, {
        projectId: e.projectId,
        minute,
        eventCount: 1,
        newIssueCount: isNew,
      });
    for (const [flag, result] of e.flags ?? []) {
      const ik = `${e.issueId}\u0000${flag}\u0000${result}`;
      const iv = issue.get(ik);
      if (iv) {
        iv.count++;
        if (iso(ts) < iv.firstSeen) iv.firstSeen = iso(ts);
        if (iso(ts) > iv.lastSeen) iv.lastSeen = iso(ts);
      } else issue.set(ik, { issueId: e.issueId, flag, result, count: 1, firstSeen: iso(ts), lastSeen: iso(ts) });
      const hk = `${e.projectId}\u0000${flag}\u0000${result}\u0000${hour}`;
      const h = hours.get(hk);
      if (h) h.eventCount++;
      else hours.set(hk, { projectId: e.projectId, flag, result, hour, eventCount: 1 });
      const mk = `${e.projectId}\u0000${flag}\u0000${result}\u0000${minute}`;
      const m = minutes.get(mk);
      if (m) {
        m.eventCount++;
        m.newIssueCount += isNew;
      } else minutes.set(mk, { projectId: e.projectId, flag, result, minute, eventCount: 1, newIssueCount: isNew });
    }
  }
  const byFlag = (a: { flag: string; result: string }, b: { flag: string; result: string }) =>
    cmp(a.flag, b.flag) || cmp(a.result, b.result);
  return {
    issueValues: [...issue.values()].sort((a, b) => compareIds(a.issueId, b.issueId) || byFlag(a, b)),
    projectHours: [...hours.values()].sort(
      (a, b) => compareIds(a.projectId, b.projectId) || byFlag(a, b) || cmp(a.hour, b.hour),
    ),
    projectMinutes: [...minutes.values()].sort(
      (a, b) => compareIds(a.projectId, b.projectId) || byFlag(a, b) || cmp(a.minute, b.minute),
    ),
    eventMinutes: [...eventMinutes.values()].sort(
      (a, b) => compareIds(a.projectId, b.projectId) || cmp(a.minute, b.minute),
    ),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
