// A throwaway PgBouncer (Debian's `pgbouncer` binary) in transaction mode on a spare port, in
// front of the test Postgres: every database name passes through (`* =`), trust auth.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../bench/processes.js';
import { waitFor } from './wait.js';

export interface PgBouncerHandle {
  port: number;
  /** `url` with its host and port replaced by PgBouncer's. */
  via(url: string): string;
  stop(): Promise<void>;
}

/** users: roles besides postgres and root that may connect (trust auth still needs them listed). */
export async function startPgBouncer(
  target = { host: '127.0.0.1', port: 5432 },
  opts: { users?: string[] } = {},
): Promise<PgBouncerHandle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faultline-pgbouncer-'));
  const port = await freePort();
  const users = ['postgres', 'root', ...(opts.users ?? [])];
  writeFileSync(path.join(dir, 'users.txt'), users.map((u) => `"${u}" ""\n`).join(''));
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.host} port=${target.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'pool_mode = transaction',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      'max_client_conn = 500',
      'default_pool_size = 10',
      // pg sends statement_timeout at connect for the API pool; PgBouncer cannot keep per-client
      // session settings in transaction mode (docs/scaling.md: a role default, API_DATABASE_URL).
      'ignore_startup_parameters = extra_float_digits,statement_timeout',
      '',
    ].join('\n'),
  );
  chmodSync(dir, 0o755);
  // PgBouncer refuses to run as root: drop to nobody then (CI containers run as root).
  const asUser = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child: ChildProcess = spawn('pgbouncer', [...asUser, path.join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const s = connect(port, '127.0.0.1', () => {
            s.end();
            resolve(true);
          });
          s.once('error', () => resolve(false));
        }),
      { timeout: 20_000, message: 'pgbouncer to listen' },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    port,
    via(url) {
      const u = new URL(url);
      u.host = `127.0.0.1:${port}`;
      return u.toString();
    },
    stop,
  };
}
