// The import rules of .dependency-cruiser.cjs bite: a small tree with one violation of each rule
// is cruised with the project's own rule set and every violation is reported; the real tree has
// none beyond the known ones (the same check `npm run check:deps` runs in CI).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, '../..');
const config = require(path.join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: unknown[] };

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
};

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

describe('import rules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ft-imports-'));
    for (const [file, text] of Object.entries(FILES)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('reports one violation of each rule, and nothing for the allowed imports', async () => {
    const found = await cruiseTree(dir);
    const rules = (name: string) => found.filter((v) => v.rule === name).map((v) => `${v.from} -> ${v.to}`).sort();
    expect(rules('server-not-to-ingest')).toEqual(['server/src/a.ts -> ingest/src/b.ts']);
    expect(rules('ingest-not-to-server')).toEqual(['ingest/src/c.ts -> server/src/d.ts']);
    expect(rules('no-circular').length).toBeGreaterThan(0);
    expect(found.filter((v) => v.rule === 'no-circular').every((v) => /server\/src\/[xy]\.ts/.test(v.from))).toBe(true);
    // A value import from the UI is refused; a type-only one (the API contract) is allowed.
    expect(rules('ui-only-api-types')).toEqual(['ui/src/page.ts -> server/src/d.ts']);
    expect(rules('sdk-stands-alone')).toEqual(['client-sdk/src/index.ts -> ingest/src/b.ts']);
    expect(rules('no-tests-in-production')).toEqual(['server/src/e.ts -> test/helpers/h.ts']);
  });
});
