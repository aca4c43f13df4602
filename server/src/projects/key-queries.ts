// Writes of project keys (DSNs) for the key API: find by public key within a project, update
// name/active/rate limit, delete. Creation is queries.ts insertProjectKey.
import type { Queryable } from '../db/pool.js';
import type { ProjectKeyRow } from './queries.js';

const KEY_COLUMNS = `id, project_id AS "projectId", public_key AS "publicKey", secret_key AS "secretKey", label,
  is_active AS "isActive", rate_limit_count AS "rateLimitCount", rate_limit_window AS "rateLimitWindow", created_at AS "createdAt"`;

export async function findProjectKeyByPublicKey(
  db: Queryable,
  projectId: string,
  publicKey: string,
): Promise<ProjectKeyRow | null> {
  const { rows } = await db.query<ProjectKeyRow>(
    `SELECT ${KEY_COLUMNS} FROM project_keys WHERE project_id = $1 AND public_key = $2`,
    [projectId, publicKey],
  );
  return rows[0] ?? null;
}

export interface ProjectKeyPatch {
  label?: string;
  isActive?: boolean;
  /** null removes the limit. */
  rateLimit?: { count: number; window: number } | null;
}

export async function updateProjectKey(db: Queryable, id: string, patch: ProjectKeyPatch): Promise<ProjectKeyRow> {
  const rl = patch.rateLimit;
  const { rows } = await db.query<ProjectKeyRow>(
    `UPDATE project_keys SET
       label = COALESCE($2, label),
       is_active = COALESCE($3, is_active),
       rate_limit_count = CASE WHEN $4::boolean THEN $5::int ELSE rate_limit_count END,
       rate_limit_window = CASE WHEN $4::boolean THEN $6::int ELSE rate_limit_window END
     WHERE id = $1
     RETURNING ${KEY_COLUMNS}`,
    [id, patch.label ?? null, patch.isActive ?? null, rl !== undefined, rl?.count ?? null, rl?.window ?? null],
  );
  const row = rows[0];
  if (!row) throw new Error(`project key ${id} vanished while being updated; retry`);
  return row;
}

export async function deleteProjectKey(db: Queryable, id: string): Promise<void> {
  await db.query(`DELETE FROM project_keys WHERE id = $1`, [id]);
}
