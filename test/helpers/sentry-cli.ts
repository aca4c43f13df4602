// Runs the real sentry-cli binary (node_modules/.bin/sentry-cli) against a test server: a user
// with an API token and membership in the test project's organization, a private HOME (so no
// ~/.sentryclirc leaks in) and SENTRY_* variables pointing at the server.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Queryable } from '../../server/src/db/pool.js';
import { generateApiToken, sha256Hex } from '../../server/src/users/tokens.js';

export const SENTRY_CLI = path.resolve('node_modules/.bin/sentry-cli');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SentryCli {
  run: (args: string[], opts?: { cwd?: string; env?: Record<string, string> }) => Promise<CliResult>;
  token: string;
  home: string;
  cleanup: () => Promise<void>;
}

/** A user + token (all scopes, or the ones given) who is owner of the organization. */
export async function createApiToken(db: Queryable, orgId: string, scopes: string[] = []): Promise<string> {
  const email = `cli-${process.pid}-${Math.random().toString(36).slice(2)}@example.test`;
  const user = await db.query<{ id: string }>(`INSERT INTO users (email, name) VALUES ($1, 'CLI') RETURNING id`, [
    email,
  ]);
  const userId = user.rows[0]!.id;
  await db.query(`INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'owner')`, [orgId, userId]);
  const token = generateApiToken();
  await db.query(
    `INSERT INTO api_tokens (user_id, name, token_hash, token_hint, scopes) VALUES ($1, 'cli', $2, $3, $4)`,
    [userId, sha256Hex(token), token.slice(-4), scopes],
  );
  return token;
}

export async function sentryCli(args: {
  url: string;
  token: string;
  org: string;
  project: string;
}): Promise<SentryCli> {
  const home = await mkdtemp(path.join(tmpdir(), 'faultline-cli-'));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    SENTRY_URL: args.url,
    SENTRY_AUTH_TOKEN: args.token,
    SENTRY_ORG: args.org,
    SENTRY_PROJECT: args.project,
    SENTRY_LOG_LEVEL: 'warn',
    SENTRY_DISABLE_UPDATE_CHECK: 'true',
    SENTRYCLI_SKIP_DOWNLOAD: '1',
  };
  return {
    token: args.token,
    home,
    run: (cliArgs, opts = {}) =>
      new Promise((resolve) => {
        execFile(
          SENTRY_CLI,
          cliArgs,
          { cwd: opts.cwd ?? home, env: { ...env, ...opts.env }, timeout: 60_000 },
          (err, stdout, stderr) => {
            const code = err
              ? typeof (err as { code?: unknown }).code === 'number'
                ? (err as { code: number }).code
                : 1
              : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
          },
        );
      }),
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}
