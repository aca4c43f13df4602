// Suspect commits, pure: which commits of a release (or a deploy's range) changed the files of
// an event's in-app frames. A commit file matches a frame when its path is a suffix of the
// frame's path (abs_path, filename or module) at a path-component boundary, as Sentry's
// committers logic scores it; the closer the frame is to the crash and the newer the commit,
// the higher the suspect ranks.

export interface SuspectFrame {
  absPath?: string | null;
  filename?: string | null;
  module?: string | null;
  inApp?: boolean | null;
}

export interface SuspectCommitInput {
  sha: string;
  /** 0 = the newest commit (the order sentry-cli sends). */
  order: number;
  authorEmail: string | null;
  files: Array<{ path: string }>;
}

export interface Suspect<C extends SuspectCommitInput> {
  commit: C;
  /** Frames counted from the crash (0 = the frame that threw). */
  depth: number;
  /** Trailing path components the commit file shares with the frame. */
  score: number;
  path: string;
}

/** How many frames from the crash are looked at (Sentry looks at a bounded top of the stack). */
export const MAX_FRAMES = 30;

/** Frames in the order SDKs send them (oldest call first, the crash last); in-app ones when any. */
export function findSuspectCommits<C extends SuspectCommitInput>(
  frames: SuspectFrame[],
  commits: C[],
): Array<Suspect<C>> {
  const inApp = frames.filter((f) => f.inApp === true);
  const considered = (inApp.length > 0 ? inApp : frames).slice(-MAX_FRAMES).reverse();
  const best = new Map<string, Suspect<C>>();
  considered.forEach((frame, depth) => {
    const paths = framePaths(frame);
    if (paths.length === 0) return;
    // Per frame, only the commits tying for the longest match (Sentry's _match_commits_path):
    // `src/cart.js` beats a root-level `cart.js` for /srv/app/src/cart.js.
    const matches: Array<Suspect<C>> = [];
    for (const commit of commits) {
      if (best.has(commit.sha)) continue; // a shallower frame already matched this commit
      let top: Suspect<C> | null = null;
      for (const file of commit.files) {
        const score = Math.max(...paths.map((p) => matchScore(splitPath(file.path), p)));
        if (score > (top?.score ?? 0)) top = { commit, depth, score, path: file.path };
      }
      if (top) matches.push(top);
    }
    const longest = Math.max(0, ...matches.map((m) => m.score));
    for (const m of matches) if (m.score === longest) best.set(m.commit.sha, m);
  });
  return [...best.values()].sort((a, b) => a.depth - b.depth || b.score - a.score || a.commit.order - b.commit.order);
}

/** The frame's candidate paths as components (URL origins, webpack:// and ./ prefixes removed). */
export function framePaths(f: SuspectFrame): string[][] {
  const out: string[][] = [];
  for (const p of [f.absPath, f.filename]) {
    if (p) out.push(splitPath(p));
  }
  if (f.module && !f.module.includes('/')) out.push(f.module.split('.').filter(Boolean));
  else if (f.module) out.push(splitPath(f.module));
  return out.filter((p) => p.length > 0);
}

export function splitPath(p: string): string[] {
  const bounded = p.length > 2048 ? p.slice(-2048) : p; // client-controlled: bound before scanning
  const noScheme = bounded.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  return noScheme
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..' && s !== '~');
}

/**
 * Trailing components shared by a commit file and a frame path, or 0 when the commit file is
 * not a suffix of the frame path (nor a relative frame path a suffix of the file). A file at the
 * repository root scores 1, below any deeper match of the same frame.
 */
export function matchScore(file: string[], frame: string[]): number {
  if (file.length === 0 || frame.length === 0) return 0;
  const n = Math.min(file.length, frame.length);
  let shared = 0;
  while (shared < n && eqPart(file[file.length - 1 - shared]!, frame[frame.length - 1 - shared]!, shared === 0))
    shared++;
  if (shared === 0) return 0;
  if (shared === file.length) return shared;
  if (shared === frame.length && frame.length > 1) return shared; // a relative frame path inside the commit's path
  return 0;
}

/** Case-insensitive (as Sentry compares); module paths carry no extension: `cart` matches `cart.py`. */
function eqPart(fileComponent: string, frameComponent: string, last: boolean): boolean {
  const a = fileComponent.toLowerCase();
  const b = frameComponent.toLowerCase();
  if (a === b) return true;
  return last && !b.includes('.') && a.replace(/\.[^.]+$/, '') === b;
}

export interface Committer<C extends SuspectCommitInput> {
  authorEmail: string | null;
  commits: C[];
}

/** Suspects grouped by author, in suspect order (Sentry's committers list). */
export function groupByAuthor<C extends SuspectCommitInput>(suspects: Array<Suspect<C>>): Array<Committer<C>> {
  const groups = new Map<string, Committer<C>>();
  for (const s of suspects) {
    const key = s.commit.authorEmail?.toLowerCase() ?? `(unknown ${s.commit.sha})`;
    const g = groups.get(key) ?? { authorEmail: s.commit.authorEmail, commits: [] };
    g.commits.push(s.commit);
    groups.set(key, g);
  }
  return [...groups.values()];
}
