// The SDK must load in a browser: no module imports Node built-ins at load time, and only
// transports/udp.ts knows about dgram. Also keeps the house limit of 300 lines per file.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../client-sdk/src', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

const files = sources(SRC).map((path) => ({ name: relative(SRC, path), text: readFileSync(path, 'utf8') }));

describe('client-sdk source', () => {
  it.each(files.map((f) => [f.name, f.text]))('%s has no runtime import of a Node built-in', (_, text) => {
    const staticImports = [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'(node:[^']+)'/gm)].map((m) => m[1]);
    expect(staticImports).toEqual([]);
    // `typeof import('node:x')` is a type and fine.
    expect(text).not.toMatch(/(?<!typeof )import\(\s*'node:/);
  });

  it('mentions dgram only in transports/udp.ts', () => {
    expect(files.filter((f) => f.text.includes('dgram')).map((f) => f.name)).toEqual(['transports/udp.ts']);
  });

  it.each(files.map((f) => [f.name, f.text.split('\n').length]))('%s stays within 300 lines', (_, lines) => {
    expect(lines).toBeLessThanOrEqual(300);
  });
});
