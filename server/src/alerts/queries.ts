// Alert queries: rules (CRUD and the per-project load the evaluator caches), the history of
// firings and delivery attempts, and the delivery outbox the send-alert job works off.
import type { Queryable } from '../db/pool.js';
import type { Action, AlertRule, Condition, Filter } from './rules.js';

// ---- rules -------------------------------------------------------------------------------

export interface RuleRow extends AlertRule {
  dateCreated: string;
  dateUpdated: string;
}

export type RuleInput = Omit<AlertRule, 'id' | 'projectId'>;

interface RawRule {
  id: string;
  project_id: string;
  name: string;
  environment: string | null;
  condition_match: 'any' | 'all';
  conditions: Condition[];
  filters: Filter[];
  actions: Action[];
  frequency_minutes: number;
  is_enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const RULE_COLUMNS = `id, project_id, name, environment, condition_match, conditions, filters, actions,
  frequency_minutes, is_enabled, created_at, updated_at`;

function toRule(r: RawRule): RuleRow {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    environment: r.environment,
    conditionMatch: r.condition_match,
    conditions: r.conditions,
    filters: r.filters,
    actions: r.actions,
    frequencyMinutes: r.frequency_minutes,
    isEnabled: r.is_enabled,
    dateCreated: r.created_at.toISOString(),
    dateUpdated: r.updated_at.toISOString(),
  };
}

/** Every rule of the given projects (the evaluator filters disabled ones itself). */
export async function listRulesOfProjects(db: Queryable, projectIds: string[]): Promise<RuleRow[]> {
  const { rows } = await db.query<RawRule>(
    `SELECT ${RULE_COLUMNS} FROM alert_rules WHERE project_id = ANY($1::bigint[]) ORDER BY id`,
    [projectIds],
  );
  return rows.map(toRule);
}

export async function findRule(db: Queryable, projectId: string, ruleId: string): Promise<RuleRow | null> {
  const { rows } = await db.query<RawRule>(
    `SELECT ${RULE_COLUMNS} FROM alert_rules WHERE project_id = $1 AND id = $2`,
    [projectId, ruleId],
  );
  return rows[0] ? toRule(rows[0]) : null;
}

export async function insertRule(
  db: Queryable,
  projectId: string,
  input: RuleInput,
  createdBy: string | null,
): Promise<RuleRow> {
  const { rows } = await db.query<RawRule>(
    `INSERT INTO alert_rules (project_id, name, environment, condition_match, conditions, filters, actions,
                              frequency_minutes, is_enabled, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${RULE_COLUMNS}`,
    [projectId, ...ruleParams(input), createdBy],
  );
  return toRule(rows[0]!);
}

export async function updateRule(
  db: Queryable,
  projectId: string,
  ruleId: string,
  input: RuleInput,
): Promise<RuleRow | null> {
  const { rows } = await db.query<RawRule>(
    `UPDATE alert_rules SET name = $3, environment = $4, condition_match = $5, conditions = $6, filters = $7,
            actions = $8, frequency_minutes = $9, is_enabled = $10, updated_at = now()
      WHERE project_id = $1 AND id = $2 RETURNING ${RULE_COLUMNS}`,
    [projectId, ruleId, ...ruleParams(input)],
  );
  return rows[0] ? toRule(rows[0]) : null;
}

function ruleParams(r: RuleInput): unknown[] {
  return [
    r.name,
    r.environment,
    r.conditionMatch,
    JSON.stringify(r.conditions),
    JSON.stringify(r.filters),
    JSON.stringify(r.actions),
    r.frequencyMinutes,
    r.isEnabled,
  ];
}

export async function deleteRule(db: Queryable, projectId: string, ruleId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM alert_rules WHERE project_id = $1 AND id = $2', [projectId, ruleId]);
  return (rowCount ?? 0) > 0;
}

// ---- history ----------------------------------------------------------------------------

export type HistoryKind = 'fired' | 'suppressed' | 'delivery';
export type HistoryStatus = 'fired' | 'suppressed' | 'sent' | 'retried' | 'failed' | 'skipped';

export interface NewHistoryRow {
  projectId: string;
  ruleId: string | null;
  ruleName: string;
  issueId: string | null;
  eventId: string | null;
  deployId: string | null;
  deliveryId: string | null;
  kind: HistoryKind;
  status: HistoryStatus;
  channel: string | null;
  target: string | null;
  attempt: number | null;
  message: string;
}

export interface HistoryRow extends NewHistoryRow {
  id: string;
  dateCreated: string;
}

/** Batch insert; returns ids in input order. */
export async function insertHistory(db: Queryable, rows: NewHistoryRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const col = <K extends keyof NewHistoryRow>(k: K) => rows.map((r) => r[k]);
  const { rows: out } = await db.query<{ id: string }>(
    `INSERT INTO alert_history (project_id, rule_id, rule_name, issue_id, event_id, deploy_id, delivery_id, kind,
                                status, channel, target, attempt, message)
     SELECT a, b, c, d, e, f, g, h, i, j, k, l, m
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[],
                          $8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::text[])
          WITH ORDINALITY AS u(a, b, c, d, e, f, g, h, i, j, k, l, m, n) ORDER BY n
     RETURNING id`,
    [
      col('projectId'),
      col('ruleId'),
      col('ruleName'),
      col('issueId'),
      col('eventId'),
      col('deployId'),
      col('deliveryId'),
      col('kind'),
      col('status'),
      col('channel'),
      col('target'),
      col('attempt'),
      col('message'),
    ],
  );
  return out.map((r) => r.id);
}

export interface ListHistoryArgs {
  projectId: string;
  ruleId?: string;
  issueId?: string;
  /** Rows older than this id (keyset paging, newest first). */
  beforeId?: string;
  limit: number;
}

export async function listHistory(db: Queryable, a: ListHistoryArgs): Promise<HistoryRow[]> {
  const { rows } = await db.query<Record<string, unknown> & { created_at: Date }>(
    `SELECT id, project_id, rule_id, rule_name, issue_id, event_id, deploy_id, delivery_id, kind, status, channel,
            target, attempt, message, created_at
       FROM alert_history
      WHERE project_id = $1 AND ($2::bigint IS NULL OR rule_id = $2) AND ($3::bigint IS NULL OR issue_id = $3)
        AND ($4::bigint IS NULL OR id < $4)
      ORDER BY id DESC LIMIT $5`,
    [a.projectId, a.ruleId ?? null, a.issueId ?? null, a.beforeId ?? null, a.limit],
  );
  return rows.map((r) => ({
    id: r.id as string,
    projectId: r.project_id as string,
    ruleId: r.rule_id as string | null,
    ruleName: r.rule_name as string,
    issueId: r.issue_id as string | null,
    eventId: r.event_id as string | null,
    deployId: r.deploy_id as string | null,
    deliveryId: r.delivery_id as string | null,
    kind: r.kind as HistoryKind,
    status: r.status as HistoryStatus,
    channel: r.channel as string | null,
    target: r.target as string | null,
    attempt: r.attempt as number | null,
    message: r.message as string,
    dateCreated: r.created_at.toISOString(),
  }));
}

// ---- deliveries -------------------------------------------------------------------------

export type Channel = 'email' | 'webhook' | 'slack';

export interface NewDeliveryRow {
  projectId: string;
  firedId: string;
  channel: Channel;
  target: string;
  digestKey: string | null;
  secret: string | null;
  alert: unknown;
}

export interface DeliveryRow {
  id: string;
  projectId: string;
  firedId: string;
  channel: Channel;
  target: string;
  digestKey: string | null;
  secret: string | null;
  attempts: number;
  alert: unknown;
}

export async function insertDeliveries(db: Queryable, rows: NewDeliveryRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const { rows: out } = await db.query<{ id: string }>(
    `INSERT INTO alert_deliveries (project_id, fired_id, channel, target, digest_key, secret, alert)
     SELECT a, b, c, d, e, f, g FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])
          WITH ORDINALITY AS u(a, b, c, d, e, f, g, n) ORDER BY n
     RETURNING id`,
    [
      rows.map((r) => r.projectId),
      rows.map((r) => r.firedId),
      rows.map((r) => r.channel),
      rows.map((r) => r.target),
      rows.map((r) => r.digestKey),
      rows.map((r) => r.secret),
      rows.map((r) => JSON.stringify(r.alert)),
    ],
  );
  return out.map((r) => r.id);
}

const DELIVERY_RETURNING = `RETURNING id, project_id AS "projectId", fired_id AS "firedId", channel, target,
  digest_key AS "digestKey", secret, attempts, alert`;

/**
 * Claims the pending deliveries of a digest (or one delivery) for a job and counts the attempt.
 * Rows another live job claimed stay with it; a retried job re-claims its own rows.
 */
export async function claimDeliveries(
  db: Queryable,
  by: { digestKey: string } | { deliveryId: string },
  jobId: string,
): Promise<DeliveryRow[]> {
  const [where, param] = 'digestKey' in by ? ['digest_key = $1', by.digestKey] : ['id = $1', by.deliveryId];
  const { rows } = await db.query<DeliveryRow>(
    `UPDATE alert_deliveries SET claimed_by = $2, attempts = attempts + 1
      WHERE ${where} AND status = 'pending' AND (claimed_by IS NULL OR claimed_by = $2)
      ${DELIVERY_RETURNING}`,
    [param, jobId],
  );
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

export async function finishDeliveries(
  db: Queryable,
  ids: string[],
  status: 'sent' | 'failed' | 'skipped',
  error: string | null,
): Promise<void> {
  await db.query(
    `UPDATE alert_deliveries SET status = $2, last_error = $3, sent_at = CASE WHEN $2 = 'sent' THEN now() END
      WHERE id = ANY($1::bigint[])`,
    [ids, status, error],
  );
}

export async function recordDeliveryError(db: Queryable, ids: string[], error: string): Promise<void> {
  await db.query('UPDATE alert_deliveries SET last_error = $2 WHERE id = ANY($1::bigint[])', [ids, error]);
}

/** Pending deliveries nobody claimed for a while: their job was never enqueued (Redis was down). */
export async function listStrandedDeliveries(
  db: Queryable,
  olderThan: Date,
  limit: number,
): Promise<Array<{ id: string; channel: Channel; digestKey: string | null }>> {
  const { rows } = await db.query<{ id: string; channel: Channel; digestKey: string | null }>(
    `SELECT id, channel, digest_key AS "digestKey" FROM alert_deliveries
      WHERE status = 'pending' AND claimed_by IS NULL AND created_at < $1 ORDER BY id LIMIT $2`,
    [olderThan, limit],
  );
  return rows;
}
