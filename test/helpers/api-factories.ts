// API test data: members with tokens, issues with tags / hourly counts / hashes, and events,
// inserted with plain SQL (the API under test only reads them). Org/project rows come from
// test/helpers/factories.ts.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import type { Queryable } from '../../server/src/db/pool.js';

let counter = 0;

export interface Member {
  userId: string;
  email: string;
  password: string;
  token: string;
}

/** A user with a password, a membership in `orgId` (unless null) and a personal API token. */
export async function createMember(
  db: Queryable,
  opts: { orgId: string | null; role?: 'owner' | 'admin' | 'member'; email?: string; scopes?: string[] },
): Promise<Member> {
  const email = opts.email ?? `user${process.pid}-${counter++}@example.com`;
  const password = 'correct horse battery';
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id`,
    [email, email.split('@')[0], await hash(password)],
  );
  const userId = rows[0]!.id;
  if (opts.orgId) {
    await db.query(`INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3)`, [
      opts.orgId,
      userId,
      opts.role ?? 'member',
    ]);
  }
  const token = `sntryu_${randomBytes(32).toString('hex')}`;
  await db.query(`INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 'test', $2, $3)`, [
    userId,
    createHash('sha256').update(token).digest('hex'),
    opts.scopes ?? [],
  ]);
  return { userId, email, password, token };
}

export interface IssueOpts {
  projectId: string;
  title?: string;
  culprit?: string;
  level?: string;
  status?: 'unresolved' | 'resolved' | 'ignored';
  firstSeen?: Date;
  lastSeen?: Date;
  eventCount?: number;
  userCount?: number;
  firstRelease?: string;
  lastRelease?: string;
  /** issue_tag_values rows: key → value → count. */
  tags?: Record<string, Record<string, number>>;
  /** issue_hourly_counts rows: hour start → count. */
  hourly?: Array<[Date, number]>;
  hashes?: string[];
}

export async function createIssue(db: Queryable, o: IssueOpts): Promise<{ id: string; shortId: string }> {
  const lastSeen = o.lastSeen ?? new Date();
  const { rows } = await db.query<{ id: string; shortId: string }>(
    `WITH n AS (UPDATE projects SET next_short_id = next_short_id + 1 WHERE id = $1 RETURNING next_short_id - 1 AS short_id, short_id_prefix)
     INSERT INTO issues (project_id, short_id, title, culprit, level, status, first_seen, last_seen, event_count, user_count,
       first_release, last_release, metadata)
     SELECT $1, n.short_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM n
     RETURNING id, (SELECT short_id_prefix FROM n) || '-' || short_id AS "shortId"`,
    [
      o.projectId,
      o.title ?? 'Error: boom',
      o.culprit ?? 'app/handler',
      o.level ?? 'error',
      o.status ?? 'unresolved',
      o.firstSeen ?? lastSeen,
      lastSeen,
      o.eventCount ?? 1,
      o.userCount ?? 0,
      o.firstRelease ?? null,
      o.lastRelease ?? null,
      JSON.stringify({ type: 'Error', value: 'boom' }),
    ],
  );
  const issue = rows[0]!;
  for (const [key, values] of Object.entries(o.tags ?? {})) {
    for (const [value, count] of Object.entries(values)) {
      await db.query(
        `INSERT INTO issue_tag_values (issue_id, key, value, count, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $5)`,
        [issue.id, key, value, count, lastSeen],
      );
    }
  }
  for (const [hour, count] of o.hourly ?? []) {
    await db.query(`INSERT INTO issue_hourly_counts (issue_id, hour, count) VALUES ($1, $2, $3)`, [
      issue.id,
      hour,
      count,
    ]);
  }
  for (const h of o.hashes ?? [randomBytes(16).toString('hex')]) {
    await db.query(`INSERT INTO issue_hashes (project_id, hash, issue_id) VALUES ($1, $2, $3)`, [
      o.projectId,
      h,
      issue.id,
    ]);
  }
  return issue;
}

/** Stores an event row; `payload` is the stored (normalized) event. Returns the 32-hex id. */
export async function createEvent(
  db: Queryable,
  o: {
    projectId: string;
    issueId: string;
    payload: Record<string, unknown>;
    timestamp?: Date;
    eventId?: string;
    title?: string;
  },
): Promise<string> {
  const eventId = o.eventId ?? randomUUID().replace(/-/g, '');
  const ts = o.timestamp ?? new Date();
  const p = o.payload;
  await db.query(
    `INSERT INTO events (project_id, event_id, timestamp, received_at, issue_id, level, release, environment, server_name, user_key, title, payload)
     VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, NULL, $9, $10)`,
    [
      o.projectId,
      eventId,
      ts,
      o.issueId,
      (p.level as string | undefined) ?? 'error',
      p.release ?? null,
      p.environment ?? null,
      p.server_name ?? null,
      o.title ?? 'Error: boom',
      JSON.stringify({ ...p, event_id: eventId }),
    ],
  );
  return eventId;
}

export function hoursAgo(n: number, from = new Date()): Date {
  const d = new Date(from.getTime() - n * 3600_000);
  d.setUTCMinutes(0, 0, 0);
  return d;
}
