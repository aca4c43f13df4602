// Turns a run's figures into the issue's targets (met / missed) and the table printed on stdout.
// Pure: no I/O; bench/run.ts prints and writes the file.
import type { BenchResult } from './result.js';

type Target = BenchResult['targets'][number];
type Figures = Omit<BenchResult, 'targets'>;

const MB = 1024 * 1024;
const LABEL: Record<string, string> = {
  envelope: 'envelope ~5 KB',
  store: 'store gzip (python)',
  large: 'envelope 50 KB',
};

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined
    ? 'n/a'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function evaluateTargets(r: Figures): Target[] {
  const t: Target[] = [];
  const best = (payload: string, mode: string | null) => {
    const runs = r.pipeline.sustained.filter((s) => s.payload === payload && (mode === null || s.mode === mode));
    const ok = runs.filter((s) => s.sustained);
    const pick = (ok.length > 0 ? ok : runs).sort((a, b) => b.processedPerSec - a.processedPerSec)[0];
    return pick ? { value: pick.processedPerSec, sustained: pick.sustained, mode: pick.mode } : null;
  };
  // Issue 14's goals: all-in-one and split runs of the typical event, and the 50 KB event.
  for (const [payload, mode, goal] of [
    ['envelope', 'all-in-one', 2500],
    ['envelope', 'split', 3000],
    ['large', null, 800],
  ] as const) {
    const b = best(payload, mode);
    t.push({
      name: `sustained pipeline, ${mode ? `${mode}, ` : ''}${LABEL[payload]}`,
      target: `>= ${fmt(goal)} events/s`,
      measured: b ? `${fmt(b.value)} events/s (${b.mode}${b.sustained ? '' : ', not sustained'})` : 'not measured',
      met: b ? b.sustained && b.value >= goal : null,
    });
  }
  const typical = r.cpu.find((c) => c.phase === 'all-in-one sustained, envelope');
  const typicalMs = typical ? totalMs(withoutLoad(typical.msPerEvent)) : null;
  t.push({
    name: 'CPU per typical event, all-in-one (faultline + postgres + redis)',
    target: `<= ${fmt(CPU_PER_EVENT_MS, 2)} ms`,
    measured: typicalMs === null ? 'not measured' : `${fmt(typicalMs, 3)} ms`,
    met: typicalMs === null ? null : typicalMs <= CPU_PER_EVENT_MS,
  });
  const burst = r.pipeline.burst;
  t.push({
    name: 'backlog after a 3x burst',
    target: 'drained within 2x the burst length',
    measured: burst ? `${fmt(burst.drainSec, 1)} s after a ${fmt(burst.burstSec, 1)} s burst` : 'not measured',
    met: burst ? burst.withinTwiceBurst : null,
  });
  for (const i of r.ingest) {
    t.push({
      name: `ingest vs bare Koa, ${LABEL[i.payload]}`,
      target: `>= ${fmt(KOA_RATIO * 100)}% of Koa`,
      measured: `${fmt(i.ratioToKoa * 100)}%`,
      met: i.ratioToKoa >= KOA_RATIO,
    });
    const half = i.rates.find((x) => Math.abs(x.offeredPerSec / i.maxAcceptedPerSec - 0.5) < 0.05) ?? null;
    t.push({
      name: `ingest p99 at half max, ${LABEL[i.payload]}`,
      target: '< 10 ms',
      measured: half ? `${fmt(half.latencyMs.p99, 2)} ms at ${fmt(half.offeredPerSec)}/s` : 'not measured',
      met: half ? half.latencyMs.p99 < 10 : null,
    });
  }
  const v = r.visibility;
  for (const [path, p95, goal] of [
    ['live stream', v?.stream.p95, 500],
    ['API', v?.api.p95, 1000],
  ] as const) {
    const atTarget = v !== null && v.ratePerSec >= v.targetRatePerSec;
    t.push({
      name: `accept -> ${path} p95 at ${fmt(v?.targetRatePerSec)}/s`,
      target: `< ${fmt(goal)} ms`,
      measured:
        p95 == null
          ? 'n/a'
          : `${fmt(p95)} ms at ${fmt(v?.ratePerSec)}/s${atTarget ? '' : ' (the pipeline does not sustain the target rate)'}`,
      met: p95 == null ? null : atTarget && p95 < goal,
    });
  }
  const aio = r.memory.find((m) => m.process === 'faultline-all');
  t.push({
    name: 'all-in-one RSS idle',
    target: '< 150 MB',
    measured: aio?.idleBytes ? `${fmt(aio.idleBytes / MB)} MB` : 'n/a',
    met: aio?.idleBytes ? aio.idleBytes < 150 * MB : null,
  });
  t.push({
    name: 'all-in-one RSS under load',
    target: '< 500 MB',
    measured: aio?.loadBytes ? `${fmt(aio.loadBytes / MB)} MB` : 'n/a',
    met: aio?.loadBytes ? aio.loadBytes < 500 * MB : null,
  });
  t.push({
    name: 'Postgres per typical stored event',
    target: '<= 3 KB',
    measured: r.storage ? `${fmt(r.storage.bytesPerEvent / 1024, 2)} KB` : 'n/a',
    met: r.storage ? r.storage.bytesPerEvent <= 3 * 1024 : null,
  });
  for (const e of r.readPath?.endpoints ?? []) {
    t.push({
      name: `read p95, ${e.name}`,
      target: '< 150 ms',
      measured: `${fmt(e.p95, 1)} ms at ${fmt(r.readPath!.events)} events`,
      met: e.p95 < READ_P95_MS,
    });
  }
  const rounds = r.scaleOut?.rounds ?? [];
  const one = rounds.find((x) => x.workers === 1);
  const most = rounds.filter((x) => x.workers > 1).sort((a, b) => b.workers - a.workers)[0];
  if (one && most) {
    const ratio = totalMs(most.cpuMsPerEvent) / totalMs(one.cpuMsPerEvent);
    t.push({
      name: `CPU per event, ${most.workers} workers vs 1 (draining a backlog)`,
      target: `<= ${fmt(FLAT_CPU_RATIO, 2)}x (flat)`,
      measured: `${fmt(ratio, 2)}x (${fmt(totalMs(most.cpuMsPerEvent), 3)} vs ${fmt(totalMs(one.cpuMsPerEvent), 3)} ms)`,
      met: Number.isFinite(ratio) ? ratio <= FLAT_CPU_RATIO : null,
    });
  }
  return t;
}

const READ_P95_MS = 150;
/** Issue 14: ingest + worker + Postgres + Redis CPU per typical event (0.4 ms is the stretch). */
const CPU_PER_EVENT_MS = 0.5;
/** Issue 14: ingest's maximum against bare Koa's on the same body. */
const KOA_RATIO = 0.3;
/** The load generator's CPU is not Faultline's. */
const withoutLoad = (ms: Record<string, number>) =>
  Object.fromEntries(Object.entries(ms).filter(([k]) => k !== 'load'));
/** "Flat": adding workers may cost at most this much more CPU per event (contention, smaller batches). */
const FLAT_CPU_RATIO = 1.25;
const totalMs = (ms: Record<string, number>) => Object.values(ms).reduce((a, b) => a + b, 0);

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatReport(r: BenchResult): string {
  const out: string[] = [];
  out.push(
    `Faultline benchmark  ${r.startedAt}  ${r.machine.cpus} CPUs (${r.machine.cpuModel})  node ${r.machine.node}  ${r.launcher}  ${fmt(r.durationSec)} s`,
  );
  out.push(
    `command: ${r.command}   load average at start: ${r.machine.loadAvgAtStart.map((x) => x.toFixed(1)).join(' ')}`,
  );
  out.push('', 'INGEST: ingest process alone (split mode, worker stopped) vs a bare Koa handler on the same body');
  const ingestRows: string[][] = [];
  for (const i of r.ingest) {
    ingestRows.push([
      LABEL[i.payload]!,
      fmt(i.eventBytes),
      'max',
      fmt(i.maxAcceptedPerSec),
      fmt(i.koaMaxPerSec),
      `${fmt(i.ratioToKoa, 2)}x`,
      '',
      '',
      '',
      '',
    ]);
    for (const x of i.rates) {
      ingestRows.push([
        '',
        '',
        fmt(x.offeredPerSec),
        fmt(x.acceptedPerSec),
        '',
        '',
        fmt(x.latencyMs.p50, 2),
        fmt(x.latencyMs.p99, 2),
        fmt(x.latencyMs.p999, 2),
        fmt(x.koaLatencyMs?.p99, 2),
      ]);
    }
  }
  out.push(
    table(
      ['payload', 'bytes', 'offered/s', 'accepted/s', 'koa/s', 'ratio', 'p50 ms', 'p99 ms', 'p99.9 ms', 'koa p99 ms'],
      ingestRows,
    ),
  );
  out.push(
    '',
    'PIPELINE: events grouped, stored and counted (sum of issues.event_count) vs raw unnest insert of the same payloads',
  );
  const pipeRows = r.pipeline.sustained.map((s) => [
    `${s.mode} ${LABEL[s.payload]}`,
    fmt(s.offeredPerSec),
    fmt(s.processedPerSec),
    fmt(s.durationSec),
    fmt(s.backlogAtEnd),
    s.sustained ? 'yes' : 'no',
    fmt(s.pgBaselineRowsPerSec),
    s.ratioToPgBaseline === null ? 'n/a' : `${fmt(s.ratioToPgBaseline, 2)}x`,
    fmt(s.ingestLatencyMs.p99, 1),
  ]);
  const d = r.pipeline.drain;
  if (d)
    pipeRows.push([`split worker draining a queue`, '', fmt(d.eventsPerSec), fmt(d.seconds, 1), '0', '', '', '', '']);
  if (d?.groupingCacheHitRate != null)
    out.push(`grouping cache: ${fmt(d.groupingCacheHitRate * 100, 1)} % hits while the split worker drained the queue`);
  out.push(
    table(
      ['run', 'offered/s', 'processed/s', 'seconds', 'backlog', 'sustained', 'unnest rows/s', 'ratio', 'ingest p99 ms'],
      pipeRows,
    ),
  );
  const b = r.pipeline.burst;
  if (b)
    out.push(
      `burst: ${fmt(b.offeredPerSec)}/s for ${fmt(b.burstSec, 1)} s (${b.mode}) -> backlog ${fmt(b.peakBacklog)} events, drained ${fmt(b.drainSec, 1)} s after the burst`,
    );
  out.push(
    `Redis per queued event: ${fmt(r.pipeline.redisBytesPerQueuedEvent)} bytes (MEMORY USAGE of the queue keys, ${fmt(r.pipeline.queuedEvents)} jobs)`,
  );
  const v = r.visibility;
  if (v) {
    out.push(
      '',
      `VISIBILITY: accept -> visible at ${fmt(v.ratePerSec)} events/s for ${fmt(v.durationSec)} s (${v.mode})`,
    );
    out.push(
      table(
        ['path', 'samples', 'missing', 'p50 ms', 'p95 ms', 'p99 ms', 'note'],
        [
          [
            'API (issue events)',
            fmt(v.api.samples),
            fmt(v.api.missing),
            fmt(v.api.p50),
            fmt(v.api.p95),
            fmt(v.api.p99),
            v.api.note ?? '',
          ],
          [
            'live stream (SSE)',
            fmt(v.stream.samples),
            fmt(v.stream.missing),
            fmt(v.stream.p50),
            fmt(v.stream.p95),
            fmt(v.stream.p99),
            v.stream.note ?? '',
          ],
        ],
      ),
    );
  }
  out.push('', 'MEMORY (RSS)');
  out.push(
    table(
      ['process', 'idle MB', 'under load MB'],
      r.memory.map((m) => [
        m.process,
        fmt(m.idleBytes === null ? null : m.idleBytes / MB),
        fmt(m.loadBytes === null ? null : m.loadBytes / MB),
      ]),
    ),
  );
  if (r.cpu.length > 0) {
    out.push(
      '',
      'CPU per event (ms of CPU time per accepted/processed event; independent of machine load; redis is the whole shared server)',
    );
    const names = [...new Set(r.cpu.flatMap((c) => Object.keys(c.msPerEvent)))];
    out.push(
      table(
        ['phase', 'events', ...names, 'total', 'events/core-s'],
        r.cpu.map((c) => {
          const total = Object.values(c.msPerEvent).reduce((a, b) => a + b, 0);
          return [
            c.phase,
            fmt(c.events),
            ...names.map((n) => (c.msPerEvent[n] === undefined ? '' : fmt(c.msPerEvent[n], 3))),
            fmt(total, 3),
            fmt(total > 0 ? 1000 / total : null),
          ];
        }),
      ),
    );
  }
  const so = r.scaleOut;
  if (so) {
    out.push(
      '',
      `SCALE-OUT: the worker role alone draining a backlog of ${fmt(so.backlogEvents)} typical events (queued by ingest, then ingest stopped)`,
    );
    const names = [...new Set(so.rounds.flatMap((x) => Object.keys(x.cpuMsPerEvent)))];
    out.push(
      table(
        ['workers', 'events', 'seconds', 'events/s', ...names.map((n) => `${n} ms`), 'total ms/event'],
        so.rounds.map((x) => [
          fmt(x.workers),
          fmt(x.events),
          fmt(x.seconds, 1),
          fmt(x.eventsPerSec),
          ...names.map((n) => fmt(x.cpuMsPerEvent[n], 3)),
          fmt(totalMs(x.cpuMsPerEvent), 3),
        ]),
      ),
    );
  }
  const rp = r.readPath;
  if (rp) {
    const seed = rp.reused ? `kept database, seeded ${rp.seededAt}` : `seeded in this run in ${fmt(rp.seedSeconds)} s`;
    out.push(
      '',
      `READ PATH: warm API latency, one request at a time, on ${fmt(rp.events)} events / ${fmt(rp.issues)} issues / ${fmt(rp.releases)} releases (${rp.database}, ${seed})`,
    );
    out.push(
      table(
        ['request', 'requests', 'p50 ms', 'p95 ms', 'max ms', 'api CPU ms', 'postgres CPU ms'],
        rp.endpoints.map((e) => [
          e.name,
          fmt(e.requests),
          fmt(e.p50, 1),
          fmt(e.p95, 1),
          fmt(e.max, 1),
          fmt(e.cpuMsPerRequest?.api, 1),
          fmt(e.cpuMsPerRequest?.postgres, 1),
        ]),
      ),
    );
  }
  if (r.storage) {
    const s = r.storage;
    out.push(
      '',
      `STORAGE: ${fmt(s.bytesPerEvent)} bytes per stored event (${fmt(s.events)} events; events ${fmt(s.eventsBytes / MB, 1)} MB + issue tables ${fmt(s.issueTablesBytes / MB, 1)} MB incl. indexes); raw table ${fmt(s.pgBaselineBytesPerRow)} bytes/row`,
    );
  }
  out.push('', 'TARGETS');
  out.push(
    table(
      ['target', 'goal', 'measured', 'verdict'],
      r.targets.map((t) => [t.name, t.target, t.measured, t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED']),
    ),
  );
  if (r.errors.length > 0) out.push('', 'ERRORS', ...r.errors.map((e) => `- ${e}`));
  return out.join('\n');
}
