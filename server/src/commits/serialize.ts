// Commits and repositories in Sentry's JSON shapes (CommitSerializer, RepositorySerializer,
// CommitFileChangeSerializer), as its release pages and sentry-cli read them.
import type { CommitRow, RepositoryRow } from './queries.js';
import { providerOf } from './source-link.js';

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
    provider: sentryProvider(r),
    status: 'active' as const,
    dateCreated: r.createdAt.toISOString(),
  };
}

/**
 * The provider as Sentry names it. sentry-cli `set-commits --auto` only matches its git remote
 * against repositories whose provider id it knows (its vcs.rs `find_reference_url`): a
 * repository answered as `integrations:custom` is skipped and the CLI falls back to --local.
 * Hosts other than GitHub and GitLab (Gitea, Forgejo, Bitbucket, self-hosted) answer `git`,
 * which the CLI matches by URL alone.
 */
function sentryProvider(r: RepositoryRow): { id: string; name: string } {
  if (!r.url) return { id: 'integrations:custom', name: r.provider ?? 'Custom' };
  const known =
    /github|gitlab|gitea|forgejo/i.test(r.provider ?? '') || /^https?:\/\/[^/]*(github|gitlab)/i.test(r.url);
  const provider = known ? providerOf(r.provider, r.url) : null;
  if (provider === 'github') return { id: 'integrations:github', name: 'GitHub' };
  if (provider === 'gitlab') return { id: 'integrations:gitlab', name: 'GitLab' };
  return { id: 'git', name: r.provider ?? (provider === 'gitea' ? 'Gitea' : 'Git') };
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
