// A throwaway Postgres primary with one streaming replica, from Debian's PostgreSQL 15 binaries:
// initdb under /tmp, the replica made by pg_basebackup -R, both on spare ports. Postgres refuses
// to run as root, so as root the commands run as the postgres user.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../bench/processes.js';

const BIN = '/usr/lib/postgresql/15/bin';
const exec = promisify(execFile);

export interface PgReplicaSet {
  primaryPort: number;
  replicaPort: number;
  /** URL of database `name` on the primary or the replica. */
  url(on: 'primary' | 'replica', name: string): string;
  stopReplica(): Promise<void>;
  stop(): Promise<void>;
}

async function pg(cmd: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', `${BIN}/${cmd}`, ...args]]
    : [`${BIN}/${cmd}`, args];
  await exec(file, argv, { timeout: 120_000 });
}

export async function startPrimaryWithReplica(): Promise<PgReplicaSet> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faultline-pg-'));
  chmodSync(dir, 0o755);
  if (process.getuid?.() === 0) {
    const { stdout } = await exec('id', ['-u', 'postgres']);
    const { stdout: gid } = await exec('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const primary = path.join(dir, 'primary');
  const replica = path.join(dir, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const started: string[] = [];
  const stopOne = async (data: string) => {
    if (!started.includes(data)) return;
    started.splice(started.indexOf(data), 1);
    await pg('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => {});
  };
  const stop = async () => {
    await stopOne(replica);
    await stopOne(primary);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await pg('initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '--no-sync']);
    appendFileSync(
      primary + '/postgresql.conf',
      [
        `port = ${primaryPort}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'wal_level = replica',
        'max_wal_senders = 5',
        'hot_standby = on',
        'fsync = off',
        'synchronous_commit = off',
        'max_connections = 100',
        '',
      ].join('\n'),
    );
    await pg('pg_ctl', ['-D', primary, '-l', `${dir}/primary.log`, '-w', 'start']);
    started.push(primary);
    await pg('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replica,
      '-R',
      '-X',
      'stream',
    ]);
    appendFileSync(replica + '/postgresql.auto.conf', `port = ${replicaPort}\n`);
    await pg('pg_ctl', ['-D', replica, '-l', `${dir}/replica.log`, '-w', 'start']);
    started.push(replica);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    primaryPort,
    replicaPort,
    url: (on, name) => `postgres://postgres@127.0.0.1:${on === 'primary' ? primaryPort : replicaPort}/${name}`,
    stopReplica: () => stopOne(replica),
    stop,
  };
}
