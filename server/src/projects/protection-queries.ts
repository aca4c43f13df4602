// Per-project and per-organization protection settings: inbound filters (projects.inbound_filters)
// and event quotas (quota_events_per_minute/hour on projects and organizations).
import type { Queryable } from '../db/pool.js';
import { parseFilterSettings, type InboundFilterSettings } from '../shared/filters/settings.js';

export async function listInboundFilters(
  db: Queryable,
  projectIds: string[],
): Promise<Map<string, InboundFilterSettings>> {
  if (projectIds.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; inbound_filters: unknown }>(
    `SELECT id, inbound_filters FROM projects WHERE id = ANY($1::bigint[])`,
    [projectIds],
  );
  return new Map(rows.map((r) => [r.id, parseFilterSettings(r.inbound_filters)]));
}

export async function updateInboundFilters(
  db: Queryable,
  projectId: string,
  settings: InboundFilterSettings,
): Promise<void> {
  await db.query(`UPDATE projects SET inbound_filters = $2 WHERE id = $1`, [projectId, JSON.stringify(settings)]);
}

export interface EventQuotas {
  /** null: the configured default applies; 0: no quota. */
  eventsPerMinute: number | null;
  eventsPerHour: number | null;
}

export async function getProjectQuotas(
  db: Queryable,
  projectId: string,
): Promise<{ project: EventQuotas; organization: EventQuotas }> {
  const { rows } = await db.query<{ pm: number | null; ph: number | null; om: number | null; oh: number | null }>(
    `SELECT p.quota_events_per_minute AS pm, p.quota_events_per_hour AS ph,
            o.quota_events_per_minute AS om, o.quota_events_per_hour AS oh
       FROM projects p JOIN organizations o ON o.id = p.organization_id
      WHERE p.id = $1`,
    [projectId],
  );
  const r = rows[0];
  if (!r) throw new Error(`project ${projectId} not found while reading its quotas`);
  return {
    project: { eventsPerMinute: r.pm, eventsPerHour: r.ph },
    organization: { eventsPerMinute: r.om, eventsPerHour: r.oh },
  };
}

export async function getOrganizationQuotas(db: Queryable, organizationId: string): Promise<EventQuotas> {
  const { rows } = await db.query<{ m: number | null; h: number | null }>(
    `SELECT quota_events_per_minute AS m, quota_events_per_hour AS h FROM organizations WHERE id = $1`,
    [organizationId],
  );
  const r = rows[0];
  if (!r) throw new Error(`organization ${organizationId} not found while reading its quotas`);
  return { eventsPerMinute: r.m, eventsPerHour: r.h };
}

export async function updateProjectQuotas(db: Queryable, projectId: string, q: EventQuotas): Promise<void> {
  await db.query(`UPDATE projects SET quota_events_per_minute = $2, quota_events_per_hour = $3 WHERE id = $1`, [
    projectId,
    q.eventsPerMinute,
    q.eventsPerHour,
  ]);
}

export async function updateOrganizationQuotas(db: Queryable, organizationId: string, q: EventQuotas): Promise<void> {
  await db.query(`UPDATE organizations SET quota_events_per_minute = $2, quota_events_per_hour = $3 WHERE id = $1`, [
    organizationId,
    q.eventsPerMinute,
    q.eventsPerHour,
  ]);
}
