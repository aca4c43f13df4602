// Source links, pure: a stack frame's path through a project's code mappings (stack root →
// repository + source root) to the file at the line in the repository's web UI, at the
// release's commit when known, else at the mapping's default branch. GitHub, GitLab and Gitea
// spell the URL differently; the provider comes from the repository (or its host).

export interface CodeMapping {
  id: string;
  repositoryId: string;
  repositoryName: string;
  repositoryUrl: string | null;
  provider: string | null;
  stackRoot: string;
  sourceRoot: string;
  defaultBranch: string;
}

export interface LinkFrame {
  absPath?: string | null;
  filename?: string | null;
  lineNo?: number | null;
}

export type Provider = 'github' | 'gitlab' | 'gitea';

export function providerOf(provider: string | null, url: string): Provider {
  const p = (provider ?? '').toLowerCase();
  if (p.includes('gitlab')) return 'gitlab';
  if (p.includes('gitea') || p.includes('forgejo')) return 'gitea';
  if (p.includes('github')) return 'github';
  const host = safeHost(url);
  if (host.includes('gitlab')) return 'gitlab';
  if (host.includes('gitea') || host.includes('codeberg')) return 'gitea';
  return 'github';
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/**
 * The repository path of a frame under the mapping whose stack root is its longest matching
 * prefix (filename first, then abs_path), or null when no mapping applies.
 */
export function mapFrame(frame: LinkFrame, mappings: CodeMapping[]): { mapping: CodeMapping; path: string } | null {
  let best: { mapping: CodeMapping; path: string } | null = null;
  for (const candidate of [frame.filename, frame.absPath]) {
    if (!candidate || candidate.length > 2048) continue;
    const p = candidate.replace(/\\/g, '/');
    for (const m of mappings) {
      if (!m.repositoryUrl || !p.startsWith(m.stackRoot)) continue;
      if (best && best.mapping.stackRoot.length >= m.stackRoot.length) continue;
      const rest = p.slice(m.stackRoot.length).replace(/^\/+/, '');
      if (rest === '' || /^[a-z][a-z0-9+.-]*:/i.test(rest)) continue; // an unmapped URL, not a path
      best = { mapping: m, path: joinPath(m.sourceRoot, rest) };
    }
    if (best) return best;
  }
  return best;
}

function joinPath(root: string, rest: string): string {
  const r = root.replace(/^\/+|\/+$/g, '');
  return r ? `${r}/${rest}` : rest;
}

/** The web URL of the file at the line; `ref` is a commit sha or branch name. */
export function fileUrl(a: {
  provider: Provider;
  repositoryUrl: string;
  path: string;
  ref: string;
  refIsCommit: boolean;
  line: number | null;
}): string {
  const base = a.repositoryUrl.replace(/\.git$/, '').replace(/\/+$/, '');
  const path = a.path.split('/').map(encodeURIComponent).join('/');
  const ref = encodeURIComponent(a.ref);
  const anchor = a.line !== null && a.line > 0 ? `#L${a.line}` : '';
  if (a.provider === 'gitlab') return `${base}/-/blob/${ref}/${path}${anchor}`;
  if (a.provider === 'gitea') return `${base}/src/${a.refIsCommit ? 'commit' : 'branch'}/${ref}/${path}${anchor}`;
  return `${base}/blob/${ref}/${path}${anchor}`;
}

/** The link of one frame; `commits` maps repository id → the release's head commit there. */
export function sourceLink(frame: LinkFrame, mappings: CodeMapping[], commits: Map<string, string>): string | null {
  const mapped = mapFrame(frame, mappings);
  if (!mapped) return null;
  const m = mapped.mapping;
  const sha = commits.get(m.repositoryId);
  return fileUrl({
    provider: providerOf(m.provider, m.repositoryUrl!),
    repositoryUrl: m.repositoryUrl!,
    path: mapped.path,
    ref: sha ?? m.defaultBranch,
    refIsCommit: sha !== undefined,
    line: frame.lineNo ?? null,
  });
}
