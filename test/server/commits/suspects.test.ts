// Suspect commits and source links (pure): path-suffix matching at component boundaries,
// ranking by frame depth then commit recency, and the GitHub / GitLab / Gitea URL forms.
import { describe, expect, it } from 'vitest';
import { findSuspectCommits, groupByAuthor, matchScore, splitPath } from '../../../server/src/commits/suspects.js';
import { fileUrl, sourceLink, type CodeMapping } from '../../../server/src/commits/source-link.js';

const commit = (sha: string, order: number, email: string, ...paths: string[]) => ({
  sha,
  order,
  authorEmail: email,
  files: paths.map((path) => ({ path })),
});

describe('matchScore', () => {
  it.each([
    ['src/cart.js', '/srv/app/src/cart.js', 2],
    ['src/cart.js', 'webpack:///./src/cart.js', 2],
    ['src/cart.js', 'https://cdn.test/assets/src/cart.js', 2],
    ['app/src/cart.js', 'src/cart.js', 2], // a relative frame path inside the commit's path
    ['lib/cart.js', '/srv/app/src/cart.js', 0],
    ['cart.js', '/srv/app/cart.js', 1],
    ['rt.js', '/srv/app/cart.js', 0],
    ['shop/cart.py', 'shop/cart', 2], // a module path (no extension)
    ['SRC/Cart.js', '/srv/app/src/cart.js', 2], // case-insensitive
  ])('%s vs %s → %i', (file, frame, score) => {
    expect(matchScore(splitPath(file), splitPath(frame))).toBe(score);
  });
});

describe('findSuspectCommits', () => {
  const frames = [
    { absPath: '/srv/app/src/main.js', inApp: true },
    { absPath: '/srv/app/node_modules/lib/index.js', inApp: false },
    { absPath: '/srv/app/src/cart.js', inApp: true }, // the crash
  ];

  it('ranks by the depth of the frame, then by recency; ignores commits touching no frame', () => {
    const commits = [
      commit('newest-main', 0, 'a@x.io', 'src/main.js'),
      commit('readme', 1, 'b@x.io', 'README.md'),
      commit('cart-2', 2, 'c@x.io', 'src/cart.js'),
      commit('cart-1', 3, 'd@x.io', 'src/cart.js', 'src/main.js'),
    ];
    expect(findSuspectCommits(frames, commits).map((s) => [s.commit.sha, s.depth])).toEqual([
      ['cart-2', 0],
      ['cart-1', 0],
      ['newest-main', 1],
    ]);
  });

  it('keeps, per frame, only the commits tying for the longest match', () => {
    const commits = [
      commit('root-cart', 0, 'a@x.io', 'cart.js'),
      commit('src-cart', 1, 'b@x.io', 'src/cart.js'),
      commit('also-src-cart', 2, 'c@x.io', 'README.md', 'src/cart.js'),
    ];
    expect(findSuspectCommits(frames, commits).map((s) => [s.commit.sha, s.score])).toEqual([
      ['src-cart', 2],
      ['also-src-cart', 2],
    ]);
  });

  it('looks at library frames only when no frame is in-app', () => {
    const lib = [{ absPath: '/srv/app/node_modules/lib/index.js', inApp: false }];
    expect(findSuspectCommits(lib, [commit('vendored', 0, 'a@x.io', 'node_modules/lib/index.js')])).toHaveLength(1);
    expect(findSuspectCommits(frames, [commit('vendored', 0, 'a@x.io', 'node_modules/lib/index.js')])).toHaveLength(0);
  });

  it('groups suspects by author in suspect order', () => {
    const s = findSuspectCommits(frames, [
      commit('x', 0, 'A@x.io', 'src/cart.js'),
      commit('y', 1, 'b@x.io', 'src/main.js'),
      commit('z', 2, 'a@x.io', 'src/main.js'),
    ]);
    expect(groupByAuthor(s).map((g) => g.commits.map((c) => c.sha))).toEqual([['x', 'z'], ['y']]);
  });
});

describe('source links', () => {
  const mapping = (over: Partial<CodeMapping> = {}): CodeMapping => ({
    id: '1',
    repositoryId: '7',
    repositoryName: 'acme/shop',
    repositoryUrl: 'https://github.com/acme/shop',
    provider: null,
    stackRoot: '/srv/app/',
    sourceRoot: '',
    defaultBranch: 'main',
    ...over,
  });

  it.each([
    ['github', 'https://github.com/acme/shop', true, 'https://github.com/acme/shop/blob/abc123/src/cart.js#L12'],
    [
      'gitlab',
      'https://gitlab.example.com/acme/shop',
      true,
      'https://gitlab.example.com/acme/shop/-/blob/abc123/src/cart.js#L12',
    ],
    [
      'gitea',
      'https://git.example.com/acme/shop',
      true,
      'https://git.example.com/acme/shop/src/commit/abc123/src/cart.js#L12',
    ],
    [
      'gitea',
      'https://git.example.com/acme/shop',
      false,
      'https://git.example.com/acme/shop/src/branch/abc123/src/cart.js#L12',
    ],
  ] as const)('%s form', (provider, repositoryUrl, refIsCommit, url) => {
    expect(fileUrl({ provider, repositoryUrl, path: 'src/cart.js', ref: 'abc123', refIsCommit, line: 12 })).toBe(url);
  });

  it('strips the stack root, adds the source root, links at the release commit or the default branch', () => {
    const frame = { absPath: '/srv/app/src/cart.js', filename: '/srv/app/src/cart.js', lineNo: 3 };
    expect(sourceLink(frame, [mapping({ sourceRoot: 'services/shop' })], new Map([['7', 'deadbeef']]))).toBe(
      'https://github.com/acme/shop/blob/deadbeef/services/shop/src/cart.js#L3',
    );
    expect(sourceLink(frame, [mapping()], new Map())).toBe('https://github.com/acme/shop/blob/main/src/cart.js#L3');
    expect(sourceLink({ filename: '/other/place.js', lineNo: 1 }, [mapping()], new Map())).toBeNull();
    expect(sourceLink({ filename: 'src/a b#c.js', lineNo: null }, [mapping({ stackRoot: '' })], new Map())).toBe(
      'https://github.com/acme/shop/blob/main/src/a%20b%23c.js',
    );
  });
});
