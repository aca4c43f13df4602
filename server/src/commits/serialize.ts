// Commits and repositories in Sentry's JSON shapes (CommitSerializer, RepositorySerializer,
// CommitFileChangeSerializer), as its release pages and sentry-cli read them.
import type { CommitRow, RepositoryRow } from './queries.js';

export interface ApiCommit {
  id: string;
  message: string | null;
  dateCreated: string | null;
  repository: { name: string; url: string | null };
  author: { name: string | null; email: string | null } | null;
  releaseVersion: string;
}

export function serializeRepository(r: RepositoryRow) {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    provider: { id: r.provider ?? 'integrations:custom', name: r.provider ?? 'Custom' },
    status: 'active' as const,
    dateCreated: r.createdAt.toISOString(),
  };
}

export function serializeCommit(c: CommitRow): ApiCommit {
  return {
    id: c.sha,
    message: c.message,
    dateCreated: c.dateCommitted ? c.dateCommitted.toISOString() : null,
    repository: { name: c.repository, url: c.repositoryUrl },
    author: c.authorName || c.authorEmail ? { name: c.authorName, email: c.authorEmail } : null,
    releaseVersion: c.release,
  };
}

/** One entry per (commit, file): Sentry's commitfiles list. */
export function serializeCommitFiles(commits: CommitRow[]) {
  return commits.flatMap((c) =>
    c.files.map((f) => ({
      id: `${c.id}:${f.path}`,
      author: c.authorName || c.authorEmail ? { name: c.authorName, email: c.authorEmail } : null,
      commitMessage: c.message,
      commitId: c.sha,
      filename: f.path,
      type: f.type,
      repoName: c.repository,
    })),
  );
}
