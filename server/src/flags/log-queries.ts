// The flag-change audit log (rows written by the change-tracking webhook) and the per-organization
// signing secrets that authenticate it.
import type { Queryable } from '../db/pool.js';

export interface SigningSecretRow {
  id: string;
  provider: string;
  secret: string;
  createdBy: string | null;
  createdAt: Date;
}

const SECRET_COLUMNS = `id, provider, secret, created_by AS "createdBy", created_at AS "createdAt"`;

/** One secret per organization and provider: setting it again replaces it. */
export async function upsertSigningSecret(
  db: Queryable,
  a: { organizationId: string; provider: string; secret: string; createdBy: string },
): Promise<SigningSecretRow> {
  const { rows } = await db.query<SigningSecretRow>(
    `INSERT INTO flag_signing_secrets (organization_id, provider, secret, created_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (organization_id, provider) DO UPDATE SET secret = excluded.secret, created_by = excluded.created_by, created_at = now()
     RETURNING ${SECRET_COLUMNS}`,
    [a.organizationId, a.provider, a.secret, a.createdBy],
  );
  return rows[0]!;
}

export async function listSigningSecrets(db: Queryable, organizationId: string): Promise<SigningSecretRow[]> {
  const { rows } = await db.query<SigningSecretRow>(
    `SELECT ${SECRET_COLUMNS} FROM flag_signing_secrets WHERE organization_id = $1 ORDER BY provider`,
    [organizationId],
  );
  return rows;
}

export async function findSigningSecret(
  db: Queryable,
  organizationId: string,
  provider: string,
): Promise<string | null> {
  const { rows } = await db.query<{ secret: string }>(
    `SELECT secret FROM flag_signing_secrets WHERE organization_id = $1 AND provider = $2`,
    [organizationId, provider],
  );
  return rows[0]?.secret ?? null;
}

export async function deleteSigningSecret(db: Queryable, organizationId: string, id: string): Promise<boolean> {
  const r = await db.query(`DELETE FROM flag_signing_secrets WHERE organization_id = $1 AND id = $2`, [
    organizationId,
    id,
  ]);
  return (r.rowCount ?? 0) > 0;
}

export interface NewAuditLogRow {
  provider: string;
  changeId: string | null;
  flag: string;
  action: 'created' | 'updated' | 'deleted';
  createdBy: string;
  createdByType: 'email' | 'id' | 'name';
  createdAt: Date;
  tags: Record<string, string>;
}

export interface AuditLogRow extends NewAuditLogRow {
  id: string;
  organizationId: string;
  verdict: string | null;
  isVerdictFinal: boolean;
}

const LOG_COLUMNS = `id, organization_id AS "organizationId", provider, change_id AS "changeId", flag, action, created_by AS "createdBy",
  created_by_type AS "createdByType", created_at AS "createdAt", tags, verdict, is_verdict_final AS "isVerdictFinal"`;

/** Inserts the changes; one already stored (same provider change_id) is skipped. Returns the new rows. */
export async function insertAuditLogs(
  db: Queryable,
  organizationId: string,
  rows: NewAuditLogRow[],
): Promise<AuditLogRow[]> {
  if (rows.length === 0) return [];
  const { rows: out } = await db.query<AuditLogRow>(
    `INSERT INTO flag_audit_logs (organization_id, provider, change_id, flag, action, created_by, created_by_type, created_at, tags)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::jsonb[])
     ON CONFLICT (organization_id, provider, change_id) WHERE change_id IS NOT NULL DO NOTHING
     RETURNING ${LOG_COLUMNS}`,
    [
      organizationId,
      rows.map((r) => r.provider),
      rows.map((r) => r.changeId),
      rows.map((r) => r.flag),
      rows.map((r) => r.action),
      rows.map((r) => r.createdBy),
      rows.map((r) => r.createdByType),
      rows.map((r) => r.createdAt),
      rows.map((r) => JSON.stringify(r.tags)),
    ],
  );
  return out;
}

export async function listAuditLogs(
  db: Queryable,
  a: { organizationId: string; flags: string[] | null; from: Date | null; to: Date | null; limit: number },
): Promise<AuditLogRow[]> {
  const { rows } = await db.query<AuditLogRow>(
    `SELECT ${LOG_COLUMNS} FROM flag_audit_logs
      WHERE organization_id = $1 AND ($2::text[] IS NULL OR flag = ANY($2::text[]))
        AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)
      ORDER BY created_at DESC, id DESC LIMIT $5`,
    [a.organizationId, a.flags, a.from, a.to, a.limit],
  );
  return rows;
}

export async function findAuditLog(db: Queryable, organizationId: string, id: string): Promise<AuditLogRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const { rows } = await db.query<AuditLogRow>(
    `SELECT ${LOG_COLUMNS} FROM flag_audit_logs WHERE organization_id = $1 AND id = $2`,
    [organizationId, id],
  );
  return rows[0] ?? null;
}

/** Changes still in their observation window (the periodic verdict evaluator), oldest first. */
export async function listObservedChanges(
  db: Queryable,
  since: Date,
  until: Date,
  limit: number,
): Promise<AuditLogRow[]> {
  const { rows } = await db.query<AuditLogRow>(
    `SELECT ${LOG_COLUMNS} FROM flag_audit_logs WHERE created_at >= $1 AND created_at <= $2 AND NOT is_verdict_final
      ORDER BY created_at, id LIMIT $3`,
    [since, until, limit],
  );
  return rows;
}

export async function updateChangeVerdict(
  db: Queryable,
  a: { id: string; verdict: string; isFinal: boolean },
): Promise<void> {
  await db.query(`UPDATE flag_audit_logs SET verdict = $2, is_verdict_final = $3 WHERE id = $1`, [
    a.id,
    a.verdict,
    a.isFinal,
  ]);
}

/** Per project: its organization's latest flag change at or before `at` (alert condition). */
export async function findLatestChangesForProjects(
  db: Queryable,
  projectIds: string[],
  at: Date,
): Promise<Map<string, AuditLogRow>> {
  const { rows } = await db.query<AuditLogRow & { projectId: string }>(
    `SELECT p.id::text AS "projectId", l.* FROM projects p
       CROSS JOIN LATERAL (SELECT ${LOG_COLUMNS} FROM flag_audit_logs
                            WHERE organization_id = p.organization_id AND created_at <= $2
                            ORDER BY created_at DESC, id DESC LIMIT 1) l
      WHERE p.id = ANY($1::bigint[])`,
    [projectIds, at],
  );
  return new Map(rows.map(({ projectId, ...r }) => [projectId, r]));
}
