// A throwaway Redis Cluster for tests: Debian's redis-server on spare ports (3 masters, 3
// replicas, data under /tmp), formed with `redis-cli --cluster create`. Failover is tuned fast
// (cluster-node-timeout 1 s) so a killed master is replaced within seconds.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait.js';

const run = promisify(execFile);

export interface RedisClusterHandle {
  /** "127.0.0.1:port" of every node, masters first as created. */
  seeds: string[];
  /** The port of the master currently serving `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the node on this port. */
  kill(port: number): void;
  stop(): Promise<void>;
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Six ports whose cluster bus ports (+10000) are free too. */
async function sparePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const p = 20_000 + Math.floor(Math.random() * 30_000);
    if (!ports.includes(p) && (await isFree(p)) && (await isFree(p + 10_000))) ports.push(p);
  }
  return ports;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 20_000 });
  return stdout;
}

export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faultline-cluster-'));
  const ports = await sparePorts(6);
  const procs = new Map<number, ChildProcess>();
  for (const port of ports) {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '1000',
        '--appendonly',
        'no',
        '--save',
        '',
        '--protected-mode',
        'no',
        '--cluster-replica-validity-factor',
        '0',
      ],
      { stdio: 'ignore' },
    );
    procs.set(port, child);
  }
  const seeds = ports.map((p) => `127.0.0.1:${p}`);
  const stop = async () => {
    for (const child of procs.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(
      [...procs.values()].map((c) =>
        c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null,
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () =>
        (await Promise.all(ports.map((p) => cli(p, 'ping').catch(() => '')))).every((s) => s.trim() === 'PONG'),
      { timeout: 20_000, message: 'redis-server nodes to start' },
    );
    await run('redis-cli', ['--cluster', 'create', ...seeds, '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 60_000,
    });
    await waitFor(
      async () =>
        (await Promise.all(ports.map((p) => cli(p, 'cluster', 'info')))).every((s) => s.includes('cluster_state:ok')),
      { timeout: 30_000, message: 'the cluster to be ok' },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const alive = () => ports.find((p) => procs.get(p)?.exitCode === null && procs.get(p)?.signalCode === null)!;
  return {
    seeds,
    async masterOf(key) {
      const slot = Number((await cli(alive(), 'cluster', 'keyslot', key)).trim());
      const lines = (await cli(alive(), 'cluster', 'nodes')).trim().split('\n');
      for (const line of lines) {
        const [, addr, flags, , , , , state, ...ranges] = line.split(' ');
        if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
        for (const r of ranges) {
          const [from, to] = r.split('-').map(Number);
          if (slot >= from! && slot <= (to ?? from)!) return Number(addr!.split('@')[0]!.split(':')[1]);
        }
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    kill(port) {
      procs.get(port)?.kill('SIGKILL');
    },
    stop,
  };
}
