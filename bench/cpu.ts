// CPU time per event, per process, read from /proc/<pid>/stat (utime + stime). Unlike rates it
// does not depend on what else runs on the machine, so it tells which component limits
// throughput and what one core can do, even on a busy box. Postgres is counted over the
// backends connected to the benchmark's database; Redis is the whole server (shared).
import { readdirSync, readFileSync } from 'node:fs';
import type { Pool } from '../server/src/db/pool.js';

const CLOCK_TICKS_PER_SEC = 100; // USER_HZ on Linux
const RESCAN_MS = 1_000; // database backends come and go with the pools

export function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SEC; // utime, stime
  } catch {
    return null; // exited
  }
}

export function pidsNamed(comm: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) out.push(Number(d));
    } catch {
      // exited while listing
    }
  }
  return out;
}

async function backendPids(pool: Pool, dbName: string): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [dbName],
  );
  return rows.map((r) => r.pid);
}

export interface CpuGroup {
  name: string;
  pids: () => number[] | Promise<number[]>;
}

/** A cpuMeter reading as "name 0.123, …": CPU ms per event of each group over `events` events. */
export function perEvent(ms: Record<string, number>, events: number): string {
  return Object.entries(ms)
    .map(([k, v]) => `${k} ${(v / events).toFixed(3)}`)
    .join(', ');
}

/** Measures CPU milliseconds per group between start and stop; rescans group pids while running. */
export function cpuMeter(groups: CpuGroup[]): { stop: () => Promise<Record<string, number>> } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const owner = new Map<number, string>();
  const scan = async (initial: boolean) => {
    for (const g of groups) {
      for (const pid of await g.pids()) {
        const ms = cpuMsOf(pid);
        if (ms === null) continue;
        owner.set(pid, g.name);
        if (!first.has(pid)) first.set(pid, initial ? ms : 0); // a process born during the run counts whole
        last.set(pid, ms);
      }
    }
  };
  let scanning = scan(true);
  const timer = setInterval(() => void (scanning = scanning.then(() => scan(false))), RESCAN_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await scanning;
      await scan(false);
      const out: Record<string, number> = Object.fromEntries(groups.map((g) => [g.name, 0]));
      for (const [pid, end] of last) out[owner.get(pid)!] = (out[owner.get(pid)!] ?? 0) + (end - (first.get(pid) ?? 0));
      return out;
    },
  };
}

export function postgresGroup(pool: Pool, dbName: string): CpuGroup {
  return { name: 'postgres', pids: () => backendPids(pool, dbName) };
}

export function redisGroup(): CpuGroup {
  return { name: 'redis (shared)', pids: () => pidsNamed('redis-server') };
}
