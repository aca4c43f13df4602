// What `PUT /organizations/{org}/releases/{v}/` may carry about commits (protocol.md §8.2):
// `commits[]` (set-commits --local: id, repository, author, message, timestamp, patch_set) or
// `refs[]` (--auto / --commit: a head commit per known repository; `[]` is --clear). Validated
// whole before anything is written, so a bad entry changes nothing.
import { z } from 'zod';
import type { Queryable } from '../db/pool.js';
import { HttpError } from '../api/errors.js';
import { listRepositoriesByName, type CommitInput } from './queries.js';

/** Most commits one request may set: sentry-cli sends 20 by default; the body limit bounds it too. */
export const MAX_COMMITS = 2000;
const MAX_FILES_PER_COMMIT = 1000;
/** The repository name of commits sent without one. */
export const DEFAULT_REPOSITORY = 'local';

const text = (max: number) => z.string().max(max);
const commitId = z
  .string()
  .trim()
  .min(1, 'a commit needs an id')
  .max(64)
  .regex(/^[\w.\-~^/]+$/, 'a commit id is a sha or ref name');

export const commitSchema = z.object({
  id: commitId,
  repository: text(200).trim().min(1).nullish(),
  message: text(20_000).nullish(),
  author_name: text(256).nullish(),
  author_email: text(320).nullish(),
  timestamp: z.string().datetime({ offset: true }).nullish(),
  patch_set: z
    .array(z.object({ path: text(1024).min(1), type: z.enum(['A', 'M', 'D']) }))
    .max(MAX_FILES_PER_COMMIT)
    .nullish(),
});

export const refSchema = z.object({
  repository: text(200).trim().min(1),
  commit: commitId,
  previousCommit: commitId.nullish(),
});

export const commitFields = {
  commits: z.array(commitSchema).max(MAX_COMMITS).optional(),
  refs: z.array(refSchema).max(100).optional(),
};

type CommitBody = { commits?: Array<z.infer<typeof commitSchema>>; refs?: Array<z.infer<typeof refSchema>> };

/**
 * The commit list a release update sets, or undefined when the body says nothing about commits.
 * Refs must name repositories the organization has (400 naming the entry otherwise).
 */
export async function commitsFromBody(
  db: Queryable,
  organizationId: string,
  body: CommitBody,
): Promise<CommitInput[] | undefined> {
  if (body.commits) {
    const seen = new Set<string>();
    const unique = body.commits.filter((c) => {
      const key = `${c.repository ?? DEFAULT_REPOSITORY}\n${c.id}`;
      return !seen.has(key) && seen.add(key);
    });
    return unique.map((c) => ({
      sha: c.id,
      repository: c.repository ?? DEFAULT_REPOSITORY,
      message: c.message ?? null,
      authorName: c.author_name ?? null,
      authorEmail: c.author_email?.trim() || null,
      timestamp: c.timestamp ? new Date(c.timestamp) : null,
      files: dedupeFiles(c.patch_set ?? []),
    }));
  }
  if (!body.refs) return undefined;
  const names = [...new Set(body.refs.map((r) => r.repository))];
  const known = new Set((await listRepositoriesByName(db, organizationId, names)).map((r) => r.name));
  const bad = body.refs.findIndex((r) => !known.has(r.repository));
  if (bad >= 0) {
    throw new HttpError(
      400,
      'unknown-repository',
      `refs.${bad}.repository: unknown repository "${body.refs[bad]!.repository}" (add it with POST /api/0/organizations/{org}/repos/)`,
    );
  }
  const refs = body.refs.filter(
    (r, i) => body.refs!.findIndex((x) => x.repository === r.repository && x.commit === r.commit) === i,
  );
  return refs.map((r) => ({
    sha: r.commit,
    repository: r.repository,
    message: null,
    authorName: null,
    authorEmail: null,
    timestamp: null,
    files: [],
  }));
}

function dedupeFiles(
  files: Array<{ path: string; type: 'A' | 'M' | 'D' }>,
): Array<{ path: string; type: 'A' | 'M' | 'D' }> {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return [...byPath.values()];
}
