// `npx tsx bench/profile-summary.ts FILE.cpuprofile [N]`: what dominated a V8 CPU profile (as
// written by `npm run bench -- --profile`): self time per function and per package or source
// file, and inclusive time of our own functions, as percentages of the sampled time.
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Whether a frame's script is Faultline's own server or ingest code (the "inclusive" lists). */
export function isOurs(url: string): boolean {
  return /\/(server|ingest)\/src\//.test(url);
}

export function where(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return url;
  const local = /\/(server\/src|ingest\/src|bench)\/(.+)$/.exec(url);
  return local ? `${local[1]}/${local[2]}` : url === '' ? '(native)' : url;
}

export function summarize(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs]
    .filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName))
    .reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;
  const selfFn = new Map<string, number>();
  const selfWhere = new Map<string, number>();
  const inclusiveOurs = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    if (['(idle)', '(program)'].includes(f.functionName)) continue;
    const key = `${f.functionName || '(anonymous)'} ${where(f.url)}:${f.lineNumber + 1}`;
    selfFn.set(key, (selfFn.get(key) ?? 0) + us);
    selfWhere.set(where(f.url), (selfWhere.get(where(f.url)) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      if (!isOurs(cf.url)) continue;
      const k = `${cf.functionName || '(anonymous)'} ${where(cf.url)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusiveOurs.set(k, (inclusiveOurs.get(k) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${pct(v)}  ${k}`)
      .join('\n');
  return [
    `sampled ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (percentages of busy time)`,
    '',
    'self time by package / file:',
    list(selfWhere),
    '',
    'self time by function:',
    list(selfFn),
    '',
    'inclusive time of our functions:',
    list(inclusiveOurs),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts FILE.cpuprofile [N]');
  process.stdout.write(
    `${summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 25))}\n`,
  );
}
