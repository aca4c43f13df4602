// What an issue's counters must be: computed here from its stored events alone (as processing
// them from scratch, in timestamp order, would count them), and read back from the counter tables
// to compare. Used by the merge/unmerge tests: after any merge/unmerge both must agree exactly.
// Flag evaluations are read from the payload by the pipeline's own eventFlags.
import type { Pool } from '../../server/src/db/pool.js';
import { decodePayload, PAYLOAD_COLUMNS, type StoredPayload } from '../../server/src/events/payload-codec.js';
import { eventFlags } from '../../server/src/flags/evaluations.js';
import { payloadTags } from '../../server/src/issues/unmerge.js';

export interface Counters {
  events: number;
  users: number;
  firstSeen: string;
  lastSeen: string;
  firstRelease: string | null;
  lastRelease: string | null;
  hourly: Record<string, number>;
  tags: Record<string, Sightings>;
  /** `flag=result` → sightings, as issue_flag_values holds them. */
  flags: Record<string, Sightings>;
}

interface Sightings {
  count: number;
  firstSeen: string;
  lastSeen: string;
}

const PAGE = 5000;
type EventRow = StoredPayload & { issueId: string; timestamp: Date; eventId: string; release: string | null };
const HOUR_MS = 3_600_000;

/** Per issue of the project, the counters its stored events add up to. */
export async function countersFromEvents(pool: Pool, projectId: string): Promise<Record<string, Counters>> {
  const out: Record<string, Counters> = {};
  let cursor: [Date, string] | null = null;
  for (;;) {
    const { rows } = await pool.query<EventRow>(
      `SELECT issue_id::text AS "issueId", timestamp, event_id::text AS "eventId", release, ${PAYLOAD_COLUMNS} FROM events
        WHERE project_id = $1 ${cursor ? 'AND (timestamp, event_id) > ($2, $3::uuid)' : ''} ORDER BY timestamp, event_id LIMIT ${PAGE}`,
      cursor ? [projectId, ...cursor] : [projectId],
    );
    for (const r of rows) {
      const payload = decodePayload(r);
      add(out, r.issueId, r.timestamp, r.release, payloadTags(payload), eventFlags(payload));
    }
    if (rows.length < PAGE) break;
    const last: EventRow = rows[rows.length - 1]!;
    cursor = [last.timestamp, last.eventId];
  }
  for (const c of Object.values(out)) c.users = Object.keys(c.tags).filter((k) => k.startsWith('user=')).length;
  return out;
}

function add(
  out: Record<string, Counters>,
  issueId: string,
  ts: Date,
  release: string | null,
  tags: Array<[string, string]>,
  flags: Array<[string, string]>,
): void {
  const iso = ts.toISOString();
  const c = (out[issueId] ??= {
    events: 0,
    users: 0,
    firstSeen: iso,
    lastSeen: iso,
    firstRelease: null,
    lastRelease: null,
    hourly: {},
    tags: {},
    flags: {},
  });
  c.events++;
  c.lastSeen = iso; // rows come in timestamp order
  if (release) {
    c.firstRelease ??= release;
    c.lastRelease = release;
  }
  const hour = new Date(Math.floor(ts.getTime() / HOUR_MS) * HOUR_MS).toISOString();
  c.hourly[hour] = (c.hourly[hour] ?? 0) + 1;
  for (const [k, v] of tags) {
    if (v === '') continue;
    const t = (c.tags[`${k}=${v}`] ??= { count: 0, firstSeen: iso, lastSeen: iso });
    t.count++;
    t.lastSeen = iso;
  }
  for (const [flag, result] of flags) {
    const f = (c.flags[`${flag}=${result}`] ??= { count: 0, firstSeen: iso, lastSeen: iso });
    f.count++;
    f.lastSeen = iso;
  }
}

/** Per issue of the project, what the counter tables hold. */
export async function storedCounters(pool: Pool, projectId: string): Promise<Record<string, Counters>> {
  const out: Record<string, Counters> = {};
  const { rows: issues } = await pool.query<{
    id: string;
    events: number;
    users: number;
    firstSeen: Date;
    lastSeen: Date;
    firstRelease: string | null;
    lastRelease: string | null;
  }>(
    `SELECT id::text, event_count::int AS events, user_count::int AS users, first_seen AS "firstSeen", last_seen AS "lastSeen",
            first_release AS "firstRelease", last_release AS "lastRelease" FROM issues WHERE project_id = $1`,
    [projectId],
  );
  for (const i of issues) {
    out[i.id] = {
      events: i.events,
      users: i.users,
      firstSeen: i.firstSeen.toISOString(),
      lastSeen: i.lastSeen.toISOString(),
      firstRelease: i.firstRelease,
      lastRelease: i.lastRelease,
      hourly: {},
      tags: {},
      flags: {},
    };
  }
  const { rows: hourly } = await pool.query<{ issueId: string; hour: Date; count: number }>(
    `SELECT h.issue_id::text AS "issueId", h.hour, h.count::int FROM issue_hourly_counts h JOIN issues i ON i.id = h.issue_id WHERE i.project_id = $1`,
    [projectId],
  );
  for (const h of hourly) out[h.issueId]!.hourly[h.hour.toISOString()] = h.count;
  const { rows: tags } = await pool.query<{
    issueId: string;
    key: string;
    value: string;
    count: number;
    firstSeen: Date;
    lastSeen: Date;
  }>(
    `SELECT t.issue_id::text AS "issueId", key, value, count::int, t.first_seen AS "firstSeen", t.last_seen AS "lastSeen"
       FROM issue_tag_values t JOIN issues i ON i.id = t.issue_id WHERE i.project_id = $1`,
    [projectId],
  );
  for (const t of tags)
    out[t.issueId]!.tags[`${t.key}=${t.value}`] = {
      count: t.count,
      firstSeen: t.firstSeen.toISOString(),
      lastSeen: t.lastSeen.toISOString(),
    };
  const { rows: flags } = await pool.query<{
    issueId: string;
    flag: string;
    result: string;
    count: number;
    firstSeen: Date;
    lastSeen: Date;
  }>(
    `SELECT f.issue_id::text AS "issueId", flag, result, count::int, f.first_seen AS "firstSeen", f.last_seen AS "lastSeen"
       FROM issue_flag_values f JOIN issues i ON i.id = f.issue_id WHERE i.project_id = $1`,
    [projectId],
  );
  for (const f of flags)
    out[f.issueId]!.flags[`${f.flag}=${f.result}`] = {
      count: f.count,
      firstSeen: f.firstSeen.toISOString(),
      lastSeen: f.lastSeen.toISOString(),
    };
  return out;
}

/** Events that are not in the issue of their primary hash (none, once unmerges have finished). */
export async function misplacedEvents(pool: Pool, projectId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM events e LEFT JOIN issue_hashes h ON h.project_id = e.project_id AND h.hash = e.primary_hash
      WHERE e.project_id = $1 AND h.issue_id IS DISTINCT FROM e.issue_id`,
    [projectId],
  );
  return rows[0]!.n;
}
