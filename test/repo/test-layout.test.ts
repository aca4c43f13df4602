// Tests mirror the source: a unit test of server/src/<folder>/ lives in test/server/<folder>/ (the
// same for ingest/src and client-sdk/src), shared helpers live in test/helpers/ only, and the
// cross-cutting suites have their own top-level folders. The rule is checked on the real tree and
// shown to bite on a made-up one.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Unit-test roots and the source they mirror. */
const MIRRORS: Array<[string, string]> = [
  ['test/server/', 'server/src/'],
  ['test/ingest/', 'ingest/src/'],
  ['test/client-sdk/', 'client-sdk/src/'],
];
/** Suites that cut across the source (whole flows, failures, scale, UI, benchmarks, the repo). */
const SUITES = [
  'test/flows/',
  'test/reliability/',
  'test/regressions/',
  'test/scale/',
  'test/ui/',
  'test/bench/',
  'test/repo/',
  'test/client-sdk/e2e/',
];
/** Inputs, not code under test: recorded captures, programs the tests start. */
const DATA = /(^|\/)(fixtures|programs)\//;

export function layoutViolations(files: string[], dirExists: (dir: string) => boolean): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (!/\.(ts|mts|mjs|js)$/.test(f) || DATA.test(f)) continue;
    const isTest = /\.test\.ts$/.test(f);
    if (!isTest) {
      if (!f.startsWith('test/helpers/') && f !== 'test/setup.ts') out.push(`${f}: a helper outside test/helpers/`);
      continue;
    }
    if (f.startsWith('test/helpers/')) {
      out.push(`${f}: a test among the helpers`);
      continue;
    }
    if (SUITES.some((s) => f.startsWith(s))) continue;
    const mirror = MIRRORS.find(([t]) => f.startsWith(t));
    if (!mirror) {
      out.push(`${f}: not under a source mirror (${MIRRORS.map(([t]) => t).join(', ')}) nor a suite folder`);
      continue;
    }
    const dir = path.dirname(f.slice(mirror[0].length));
    const src = dir === '.' ? mirror[1] : `${mirror[1]}${dir}/`;
    if (!dirExists(src)) out.push(`${f}: no ${src} to mirror`);
  }
  return out;
}

describe('test layout', () => {
  it('the real tree mirrors the source and keeps helpers in test/helpers/', () => {
    const files = execFileSync('git', ['ls-files', 'test'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    expect(layoutViolations(files, (d) => existsSync(path.join(ROOT, d)))).toEqual([]);
  });

  it('bites: a helper beside its tests, a test in a folder the source lacks, a stray test', () => {
    const dirs = new Set(['server/src/', 'server/src/alerts/', 'ingest/src/']);
    expect(
      layoutViolations(
        [
          'test/server/alerts/rules.test.ts', // fine
          'test/server/alerts/fixtures.ts',
          'test/server/nowhere/thing.test.ts',
          'test/misc/thing.test.ts',
          'test/helpers/wait.test.ts',
          'test/flows/programs/app.mjs', // fine: a program a test starts
          'test/fixtures/sdk-captures/x.js', // fine: data
        ],
        (d) => dirs.has(d),
      ),
    ).toEqual([
      'test/server/alerts/fixtures.ts: a helper outside test/helpers/',
      'test/server/nowhere/thing.test.ts: no server/src/nowhere/ to mirror',
      'test/misc/thing.test.ts: not under a source mirror (test/server/, test/ingest/, test/client-sdk/) nor a suite folder',
      'test/helpers/wait.test.ts: a test among the helpers',
    ]);
  });
});
