// Code mappings per project (queries) and the source links of an event's frames built from
// them (source-link.ts) at the head commit its release recorded in each repository.
import type { Queryable } from '../db/pool.js';
import { sourceLink, type CodeMapping } from './source-link.js';

const MAPPING_SELECT = `SELECT m.id, m.repository_id AS "repositoryId", r.name AS "repositoryName", r.url AS "repositoryUrl", r.provider,
  m.stack_root AS "stackRoot", m.source_root AS "sourceRoot", m.default_branch AS "defaultBranch"
  FROM code_mappings m JOIN repositories r ON r.id = m.repository_id`;

export async function listCodeMappings(db: Queryable, projectId: string): Promise<CodeMapping[]> {
  const { rows } = await db.query<CodeMapping>(`${MAPPING_SELECT} WHERE m.project_id = $1 ORDER BY m.id LIMIT 100`, [
    projectId,
  ]);
  return rows;
}

export async function insertCodeMapping(
  db: Queryable,
  args: { projectId: string; repositoryId: string; stackRoot: string; sourceRoot: string; defaultBranch: string },
): Promise<CodeMapping> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO code_mappings (project_id, repository_id, stack_root, source_root, default_branch) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [args.projectId, args.repositoryId, args.stackRoot, args.sourceRoot, args.defaultBranch],
  );
  const found = await db.query<CodeMapping>(`${MAPPING_SELECT} WHERE m.id = $1`, [rows[0]!.id]);
  return found.rows[0]!;
}

export async function deleteCodeMapping(db: Queryable, projectId: string, id: string): Promise<boolean> {
  if (!/^\d{1,19}$/.test(id)) return false;
  const { rowCount } = await db.query(`DELETE FROM code_mappings WHERE project_id = $1 AND id = $2`, [projectId, id]);
  return (rowCount ?? 0) > 0;
}

/** repository id → the newest commit a release recorded in it. */
export async function findReleaseHeads(
  db: Queryable,
  organizationId: string,
  version: string | null,
): Promise<Map<string, string>> {
  if (!version) return new Map();
  const { rows } = await db.query<{ repositoryId: string; sha: string }>(
    `SELECT DISTINCT ON (c.repository_id) c.repository_id AS "repositoryId", c.sha
       FROM releases r JOIN release_commits rc ON rc.release_id = r.id JOIN commits c ON c.id = rc.commit_id
      WHERE r.organization_id = $1 AND r.version = $2 ORDER BY c.repository_id, rc.position`,
    [organizationId, version],
  );
  return new Map(rows.map((r) => [r.repositoryId, r.sha]));
}

export interface FrameLink {
  /** Index in exception.values and in that exception's frames, as stored. */
  exception: number;
  frame: number;
  url: string;
}

/** Links of the in-app frames of an event's exceptions. */
export function eventSourceLinks(
  payload: Record<string, unknown>,
  mappings: CodeMapping[],
  heads: Map<string, string>,
): FrameLink[] {
  if (mappings.length === 0) return [];
  const values = ((payload.exception as { values?: unknown } | undefined)?.values ?? []) as Array<{
    stacktrace?: { frames?: unknown };
  }>;
  const links: FrameLink[] = [];
  values.slice(0, 50).forEach((v, ei) => {
    const frames = Array.isArray(v?.stacktrace?.frames) ? (v.stacktrace!.frames as Array<Record<string, unknown>>) : [];
    frames.slice(-500).forEach((f, fi) => {
      if (f.in_app !== true) return;
      const url = sourceLink(
        {
          absPath: typeof f.abs_path === 'string' ? f.abs_path : null,
          filename: typeof f.filename === 'string' ? f.filename : null,
          lineNo: typeof f.lineno === 'number' ? f.lineno : null,
        },
        mappings,
        heads,
      );
      if (url) links.push({ exception: ei, frame: fi + Math.max(0, frames.length - 500), url });
    });
  });
  return links;
}
