// Deploys (sentry-cli `deploys new` / `deploys list`) and the stored health verdicts that make
// an earlier deploy a rollback target.
import type { Queryable } from '../db/pool.js';
import type { Verdict } from './verdict.js';

export interface DeployRow {
  id: string;
  organizationId: string;
  releaseId: string;
  version: string;
  releaseCreatedAt: Date;
  environment: string;
  name: string | null;
  url: string | null;
  dateStarted: Date | null;
  dateFinished: Date;
  projectIds: string[];
  verdict: Verdict | null;
  verdictAt: Date | null;
  isVerdictFinal: boolean;
}

const DEPLOY_COLUMNS = `d.id, d.organization_id AS "organizationId", d.release_id AS "releaseId", r.version,
  r.created_at AS "releaseCreatedAt", d.environment, d.name, d.url, d.date_started AS "dateStarted",
  d.date_finished AS "dateFinished", d.project_ids::text[] AS "projectIds", d.verdict, d.verdict_at AS "verdictAt",
  d.is_verdict_final AS "isVerdictFinal"`;

/** Records a deploy; its projects default to the release's projects. */
export async function insertDeploy(
  db: Queryable,
  args: {
    releaseId: string;
    environment: string;
    name: string | null;
    url: string | null;
    dateStarted: Date | null;
    dateFinished: Date | null;
    projectIds: string[] | null;
  },
): Promise<DeployRow> {
  const { rows } = await db.query<DeployRow>(
    `WITH d AS (
       INSERT INTO deploys (organization_id, release_id, environment, name, url, date_started, date_finished, project_ids)
       SELECT r.organization_id, r.id, $2, $3, $4, $5, coalesce($6::timestamptz, now()),
              coalesce($7::bigint[], (SELECT coalesce(array_agg(project_id ORDER BY project_id), '{}') FROM release_projects WHERE release_id = r.id))
         FROM releases r WHERE r.id = $1
       RETURNING *)
     SELECT ${DEPLOY_COLUMNS} FROM d JOIN releases r ON r.id = d.release_id`,
    [args.releaseId, args.environment, args.name, args.url, args.dateStarted, args.dateFinished, args.projectIds],
  );
  if (!rows[0]) throw new Error(`release ${args.releaseId} vanished while its deploy was recorded; retry`);
  return rows[0];
}

export async function listDeploys(db: Queryable, releaseId: string): Promise<DeployRow[]> {
  const { rows } = await db.query<DeployRow>(
    `SELECT ${DEPLOY_COLUMNS} FROM deploys d JOIN releases r ON r.id = d.release_id
      WHERE d.release_id = $1 ORDER BY d.date_finished DESC, d.id DESC`,
    [releaseId],
  );
  return rows;
}

export async function findDeploy(
  db: Queryable,
  args: { releaseId: string; deployId: string },
): Promise<DeployRow | null> {
  const { rows } = await db.query<DeployRow>(
    `SELECT ${DEPLOY_COLUMNS} FROM deploys d JOIN releases r ON r.id = d.release_id WHERE d.release_id = $1 AND d.id = $2`,
    [args.releaseId, args.deployId],
  );
  return rows[0] ?? null;
}

/** Earlier deploys of other releases to the environment, newest first: rollback candidates. */
export async function listEarlierDeploys(db: Queryable, deploy: DeployRow, limit: number): Promise<DeployRow[]> {
  const { rows } = await db.query<DeployRow>(
    `SELECT ${DEPLOY_COLUMNS} FROM deploys d JOIN releases r ON r.id = d.release_id
      WHERE d.organization_id = $1 AND d.environment = $2 AND d.release_id <> $3
        AND (d.date_finished, d.id) < ($4::timestamptz, $5::bigint)
        AND (cardinality($6::bigint[]) = 0 OR d.project_ids && $6::bigint[])
      ORDER BY d.date_finished DESC, d.id DESC LIMIT $7`,
    [
      deploy.organizationId,
      deploy.environment,
      deploy.releaseId,
      deploy.dateFinished,
      deploy.id,
      deploy.projectIds,
      limit,
    ],
  );
  return rows;
}

export async function updateDeployVerdict(
  db: Queryable,
  args: { deployId: string; verdict: Verdict; at: Date; isFinal: boolean },
): Promise<void> {
  await db.query(
    `UPDATE deploys SET verdict = $2, verdict_at = $3, is_verdict_final = $4 WHERE id = $1 AND NOT is_verdict_final`,
    [args.deployId, args.verdict, args.at, args.isFinal],
  );
}
