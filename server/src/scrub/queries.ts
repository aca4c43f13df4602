// A project's data-scrubbing choices live in projects.settings -> 'scrubbing' (JSON, validated on
// write by the API and again on read, since the column is shared with other settings).
import type { Queryable } from '../db/pool.js';
import { projectScrubSettingsSchema, type ProjectScrubSettings } from './rules.js';

interface ScrubSettingsRow {
  id: string;
  scrubbing: unknown;
}

/** The stored settings per project id; null for projects without their own (or unreadable ones). */
export async function listProjectScrubSettings(
  db: Queryable,
  projectIds: string[],
): Promise<Map<string, ProjectScrubSettings | null>> {
  const { rows } = await db.query<ScrubSettingsRow>(
    `SELECT id, settings -> 'scrubbing' AS scrubbing FROM projects WHERE id = ANY($1::bigint[])`,
    [projectIds],
  );
  return new Map(
    rows.map((r) => {
      const parsed = projectScrubSettingsSchema.safeParse(r.scrubbing);
      return [r.id, r.scrubbing !== null && parsed.success ? parsed.data : null];
    }),
  );
}

export async function updateProjectScrubSettings(
  db: Queryable,
  projectId: string,
  settings: ProjectScrubSettings,
): Promise<void> {
  await db.query(`UPDATE projects SET settings = jsonb_set(settings, '{scrubbing}', $2::jsonb) WHERE id = $1`, [
    projectId,
    JSON.stringify(settings),
  ]);
}
