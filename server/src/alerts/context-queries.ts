// Read-only queries that give a firing its context: the issue with its counts, the triggering
// event's payload, the project and organization, and the latest deploy before a new issue.
import type { Queryable } from '../db/pool.js';
import type { DeployRow } from '../releases/deploy-queries.js';
import type { DeployFact } from './rules.js';
import { decodePayload, PAYLOAD_COLUMNS, type StoredPayload } from '../events/payload-codec.js';

export interface ProjectContextRow {
  projectId: string;
  slug: string;
  name: string;
  organizationId: string;
  organizationSlug: string;
}

export async function findProjectContexts(
  db: Queryable,
  projectIds: string[],
): Promise<Map<string, ProjectContextRow>> {
  const { rows } = await db.query<ProjectContextRow>(
    `SELECT p.id AS "projectId", p.slug, p.name, o.id AS "organizationId", o.slug AS "organizationSlug"
       FROM projects p JOIN organizations o ON o.id = p.organization_id
      WHERE p.id = ANY($1::bigint[])`,
    [projectIds],
  );
  return new Map(rows.map((r) => [r.projectId, r]));
}

export interface IssueContextRow {
  id: string;
  projectId: string;
  shortId: string;
  title: string;
  culprit: string;
  level: string;
  status: string;
  count: number;
  userCount: number;
  firstSeen: Date;
  lastSeen: Date;
}

export async function findIssueContexts(db: Queryable, issueIds: string[]): Promise<Map<string, IssueContextRow>> {
  const { rows } = await db.query<IssueContextRow>(
    `SELECT i.id, i.project_id AS "projectId", p.short_id_prefix || '-' || i.short_id AS "shortId", i.title, i.culprit,
            i.level, i.status, i.event_count::float8 AS count, i.user_count::float8 AS "userCount",
            i.first_seen AS "firstSeen", i.last_seen AS "lastSeen"
       FROM issues i JOIN projects p ON p.id = i.project_id
      WHERE i.id = ANY($1::bigint[])`,
    [issueIds],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export interface EventPayloadRow {
  projectId: string;
  eventId: string;
  environment: string | null;
  release: string | null;
  payload: Record<string, unknown>;
}

const ALERT_KEYS = ['exception', 'logentry', 'message'] as const;

/** The stored payloads of the given events (only the parts an alert shows). */
export async function findEventPayloads(
  db: Queryable,
  keys: Array<{ projectId: string; eventId: string }>,
): Promise<EventPayloadRow[]> {
  if (keys.length === 0) return [];
  const { rows } = await db.query<Omit<EventPayloadRow, 'payload'> & StoredPayload>(
    `SELECT e.project_id AS "projectId", replace(e.event_id::text, '-', '') AS "eventId", e.environment, e.release,
            ${PAYLOAD_COLUMNS}
       FROM unnest($1::bigint[], $2::uuid[]) AS k(project_id, event_id)
       JOIN events e ON e.project_id = k.project_id AND e.event_id = k.event_id`,
    [keys.map((k) => k.projectId), keys.map((k) => k.eventId)],
  );
  return rows.map(({ payloadZ, payloadJson, ...r }) => ({
    ...r,
    payload: decodePayload({ payloadZ, payloadJson }, ALERT_KEYS),
  }));
}

/**
 * The latest deploy that covers each project and environment and finished at or before `now`
 * (an event without environment matches a deploy to any environment).
 */
export async function findLatestDeploys(
  db: Queryable,
  keys: Array<{ projectId: string; environment: string | null }>,
  now: Date,
): Promise<Map<string, DeployFact>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{
    projectId: string;
    key: string | null;
    id: string;
    environment: string;
    release: string;
    at: Date;
  }>(
    `SELECT DISTINCT ON (k.project_id, k.environment)
            k.project_id::text AS "projectId", k.environment AS key, d.id::text AS id, d.environment, r.version AS release,
            d.date_finished AS at
       FROM unnest($1::bigint[], $2::text[]) AS k(project_id, environment)
       JOIN deploys d ON k.project_id = ANY(d.project_ids) AND (k.environment IS NULL OR d.environment = k.environment)
                     AND d.date_finished <= $3
       JOIN releases r ON r.id = d.release_id
      ORDER BY k.project_id, k.environment, d.date_finished DESC, d.id DESC`,
    [keys.map((k) => k.projectId), keys.map((k) => k.environment), now],
  );
  return new Map(
    rows.map((r) => [
      deployKey(r.projectId, r.key),
      { id: r.id, environment: r.environment, release: r.release, at: r.at.getTime() },
    ]),
  );
}

export function deployKey(projectId: string, environment: string | null): string {
  return `${projectId}\u0000${environment ?? ''}`;
}

/**
 * Deploys still inside their health observation window (finished after `since`, verdict not
 * final), in the releases module's row shape so its computeDeployHealth can judge them.
 */
export async function listObservedDeploys(db: Queryable, since: Date, now: Date): Promise<DeployRow[]> {
  const { rows } = await db.query<DeployRow>(
    `SELECT d.id::text AS id, d.organization_id::text AS "organizationId", d.release_id::text AS "releaseId", r.version,
            r.created_at AS "releaseCreatedAt", d.environment, d.name, d.url, d.date_started AS "dateStarted",
            d.date_finished AS "dateFinished", d.project_ids::text[] AS "projectIds", d.verdict, d.verdict_at AS "verdictAt",
            d.is_verdict_final AS "isVerdictFinal"
       FROM deploys d JOIN releases r ON r.id = d.release_id
      WHERE d.date_finished >= $1 AND d.date_finished <= $2 AND NOT d.is_verdict_final
      ORDER BY d.id`,
    [since, now],
  );
  return rows;
}
