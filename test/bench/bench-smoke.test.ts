// Smoke test of `npm run bench`: the quick plan (phases of a second or two) runs end to end as
// separate processes and writes a result file that matches the documented shape. No timing
// assertions: the figures of a smoke run on a shared machine mean nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QUICK_PLAN } from '../../bench/plan.js';
import { benchResultSchema } from '../../bench/result.js';

const RUN_TIMEOUT_MS = 600_000;

function runQuickBench(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', `--out=${out}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run bench -- --quick', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'faultline-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a well-formed result file covering every section', { timeout: RUN_TIMEOUT_MS }, async () => {
    const out = path.join(dir, 'result.json');
    const { code, output } = await runQuickBench(out);
    expect(code, output).toBe(0);
    const result = benchResultSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(result.quick).toBe(true);
    expect(result.ingest.map((i) => i.payload)).toEqual(['envelope', 'store', 'large']);
    expect(result.pgBaseline).toHaveLength(3);
    expect(result.pipeline.drain).not.toBeNull();
    expect(result.pipeline.sustained.map((s) => s.payload)).toEqual(['envelope', 'large']);
    expect(result.visibility).not.toBeNull();
    expect(result.storage?.events).toBeGreaterThan(0);
    expect(result.memory.map((m) => m.process)).toEqual(
      expect.arrayContaining(['faultline-ingest', 'faultline-worker', 'faultline-all']),
    );
    expect(result.scaleOut?.rounds.map((r) => r.workers)).toEqual([1, 2, 3]);
    for (const round of result.scaleOut?.rounds ?? []) expect(round.events).toBe(QUICK_PLAN.scaleOutEvents);
    // Every seeded event went through the worker's batch path into the events table.
    expect(result.readPath?.events).toBe(QUICK_PLAN.readEvents);
    expect(result.readPath?.reused).toBe(false);
    expect(result.readPath?.endpoints.map((e) => e.name)).toEqual(
      expect.arrayContaining(['issue list (default)', 'issue tag facets (hottest)', 'deploy health (newest)']),
    );
    expect(result.targets.length).toBeGreaterThan(0);
    expect(output).toContain('TARGETS');
    expect(output).toContain('READ PATH');
    expect(output).toContain('SCALE-OUT');
  });
});
