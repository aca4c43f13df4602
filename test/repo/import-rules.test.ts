// The import rules of .dependency-cruiser.cjs bite: a small tree with one violation of each rule
// is cruised with the project's own rule set and every violation is reported, while the allowed
// imports (ingest → the shared floor, the UI's type-only imports, the composing main.ts) are not;
// `npm run check:deps`, run the way CI runs it, fails on that tree and passes on the real one.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const CONFIG = '.dependency-cruiser.cjs';
const config = require(path.join(ROOT, CONFIG)) as { forbidden: Array<{ name: string }> };

const FILES: Record<string, string> = {
  'server/src/a.ts': `import { b } from '../../ingest/src/b.js';\nexport const a = b;\n`,
  'ingest/src/b.ts': `export const b = 1;\n`,
  'ingest/src/c.ts': `import { d } from '../../server/src/d.js';\nexport const c = d;\n`,
  'server/src/d.ts': `export const d = 2;\n`,
  'server/src/x.ts': `import { y } from './y.js';\nexport const x = () => y;\n`,
  'server/src/y.ts': `import { x } from './x.js';\nexport const y = () => x;\n`,
  'ui/src/page.ts': `import { d } from '../../server/src/d.js';\nexport const p = d;\n`,
  'ui/src/types.ts': `import type { d } from '../../server/src/d.js';\nexport type T = typeof d;\n`,
  'client-sdk/src/index.ts': `import { b } from '../../ingest/src/b.js';\nexport const i = b;\n`,
  'server/src/e.ts': `import { h } from '../../test/helpers/h.js';\nexport const e = h;\n`,
  'test/helpers/h.ts': `export const h = 3;\n`,
  'server/src/main.ts': `import { b } from '../../ingest/src/b.js';\nexport const m = b;\n`,
  // The shared floor: ingest and server may import it; it imports neither.
  'server/src/shared/s.ts': `export const s = 4;\n`,
  'server/src/shared/t.ts': `import { s } from './s.js';\nimport { d } from '../d.js';\nexport const t = s + d;\n`,
  'server/src/shared/u.ts': `import { b } from '../../../ingest/src/b.js';\nexport const u = b;\n`,
  'ingest/src/f.ts': `import { s } from '../../server/src/shared/s.js';\nexport const f = s;\n`,
  'server/src/g.ts': `import { s } from './shared/s.js';\nexport const g = s;\n`,
};

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
}

async function cruiseTree(baseDir: string): Promise<Array<{ rule: string; from: string; to: string }>> {
  const result = await cruise(['server/src', 'ingest/src', 'ui/src', 'client-sdk/src'], {
    baseDir,
    ruleSet: { forbidden: config.forbidden } as never,
    validate: true,
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
  });
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

/** `npm run check:deps` as package.json spells it, run in `cwd`: its exit code and report. */
async function checkDeps(cwd: string): Promise<{ code: number; output: string }> {
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [command, ...args] = pkg.scripts['check:deps']!.split(/\s+/);
  expect(command).toBe('depcruise');
  const bin = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('import rules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ft-imports-'));
    await writeTree(dir, FILES);
    await copyFile(path.join(ROOT, CONFIG), path.join(dir, CONFIG));
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports one violation of each rule, and nothing for the allowed imports', async () => {
    const found = await cruiseTree(dir);
    const rules = (name: string) =>
      found
        .filter((v) => v.rule === name)
        .map((v) => `${v.from} -> ${v.to}`)
        .sort();
    expect(rules('server-not-to-ingest')).toEqual([
      'server/src/a.ts -> ingest/src/b.ts',
      'server/src/shared/u.ts -> ingest/src/b.ts',
    ]);
    // ingest may import the shared floor (f.ts), nothing else of the server.
    expect(rules('ingest-not-to-server')).toEqual(['ingest/src/c.ts -> server/src/d.ts']);
    // The shared floor imports nothing of the rest of server/ (t.ts) nor of ingest/ (u.ts); within itself it may.
    expect(rules('shared-stays-shared')).toEqual([
      'server/src/shared/t.ts -> server/src/d.ts',
      'server/src/shared/u.ts -> ingest/src/b.ts',
    ]);
    expect(rules('no-circular').length).toBeGreaterThan(0);
    expect(found.filter((v) => v.rule === 'no-circular').every((v) => /server\/src\/[xy]\.ts/.test(v.from))).toBe(true);
    // A value import from the UI is refused; a type-only one (the API contract) is allowed.
    expect(rules('ui-only-api-types')).toEqual(['ui/src/page.ts -> server/src/d.ts']);
    expect(rules('sdk-stands-alone')).toEqual(['client-sdk/src/index.ts -> ingest/src/b.ts']);
    expect(rules('no-tests-in-production')).toEqual(['server/src/e.ts -> test/helpers/h.ts']);
    // Every rule of the config is proven above (a new rule needs its violation in FILES).
    expect(new Set(found.map((v) => v.rule))).toEqual(new Set(config.forbidden.map((r) => r.name)));
  });

  it('fails `npm run check:deps` on a tree with violations, naming each rule', async () => {
    const { code, output } = await checkDeps(dir);
    expect(code).not.toBe(0);
    for (const rule of config.forbidden) expect(output).toContain(rule.name);
  }, 120_000);

  it('passes `npm run check:deps` on the real tree: no violation, and no list of tolerated ones', async () => {
    const { code, output } = await checkDeps(ROOT);
    expect(output).toContain('no dependency violations found');
    expect(code).toBe(0);
    const pkg = await readFile(path.join(ROOT, 'package.json'), 'utf8');
    expect(pkg).not.toContain('--ignore-known');
  }, 300_000);
});
