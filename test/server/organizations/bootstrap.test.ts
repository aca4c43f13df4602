import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../../server/src/cli.js';
import { dbUrl } from '../../helpers/db.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

describe('operator CLI', () => {
  let url: string;
  let db: pg.Pool;
  const env = () => ({ DATABASE_URL: url, BASE_URL: 'http://127.0.0.1:9999', LOG_LEVEL: 'silent' });

  async function cli(
    ...argv: string[]
  ): Promise<{ code: number; out: string; err: string; json: Record<string, any> }> {
    let out = '';
    let err = '';
    const code = await runCli(argv, env(), {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    });
    return { code, out, err, json: out ? JSON.parse(out) : {} };
  }

  beforeAll(() => {
    // A database that does not exist yet: the CLI creates and migrates it (dropped by global teardown).
    url = dbUrl(`ft_${inject('runId')}_cli_${process.pid}`);
    db = new pg.Pool({ connectionString: url, max: 2 });
  });
  afterAll(async () => {
    await db?.end();
  });

  it('bootstrap creates the database, org, project, owner, key and a token, printing one JSON line', async () => {
    const r = await cli(
      'bootstrap',
      '--org',
      'acme',
      '--project',
      'web',
      '--email',
      'admin@example.com',
      '--password',
      'pw-long-enough',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/applied migration 0001_init.sql/);
    expect(r.json).toMatchObject({
      org: 'acme',
      project: 'web',
      shortIdPrefix: 'WEB',
      email: 'admin@example.com',
      dsn: expect.stringMatching(new RegExp(`^http://[0-9a-f]{32}@127\\.0\\.0\\.1:9999/${r.json.projectId}$`)),
      token: expect.stringMatching(/^sntryu_[0-9a-f]{64}$/),
      created: { org: true, project: true, user: true, membership: true, key: true },
    });
    const { rows } =
      await db.query(`SELECT m.role, p.short_id_prefix FROM memberships m JOIN users u ON u.id = m.user_id
      JOIN projects p ON p.organization_id = m.organization_id WHERE u.email = 'admin@example.com'`);
    expect(rows).toEqual([{ role: 'owner', short_id_prefix: 'WEB' }]);
  });

  it('bootstrap is idempotent: a second run only issues another token, and both stay valid', async () => {
    const first = (await db.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens')).rows;
    const again = await cli(
      'bootstrap',
      '--org',
      'acme',
      '--project',
      'web',
      '--email',
      'admin@example.com',
      '--password',
      'pw-long-enough',
    );
    expect(again.code).toBe(0);
    expect(again.json.created).toEqual({ org: false, project: false, user: false, membership: false, key: false });
    const counts =
      await db.query(`SELECT (SELECT count(*) FROM organizations)::int AS orgs, (SELECT count(*) FROM projects)::int AS projects,
      (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM project_keys)::int AS keys,
      (SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL)::int AS tokens`);
    expect(counts.rows[0]).toEqual({ orgs: 1, projects: 1, users: 1, keys: 1, tokens: first.length + 1 });
    const hash = createHash('sha256').update(again.json.token).digest('hex');
    expect((await db.query('SELECT 1 FROM api_tokens WHERE token_hash = $1', [hash])).rowCount).toBe(1);
  });

  it('create-user adds a member and create-token a personal token', async () => {
    const user = await cli(
      'create-user',
      '--email',
      'dev@example.com',
      '--password',
      'another-password',
      '--org',
      'acme',
    );
    expect(user.code).toBe(0);
    expect(user.json).toMatchObject({ email: 'dev@example.com', created: true, membershipCreated: true });
    const token = await cli('create-token', '--email', 'dev@example.com', '--scopes', 'event:read,org:read');
    expect(token.json.token).toMatch(/^sntryu_/);
    const { rows } = await db.query('SELECT scopes FROM api_tokens WHERE token_hash = $1', [
      createHash('sha256').update(token.json.token).digest('hex'),
    ]);
    expect(rows[0].scopes).toEqual(['event:read', 'org:read']);
  });

  it.each([
    [['bootstrap', '--org', 'Bad Slug', '--project', 'web', '--email', 'a@b.co', '--password', 'longpassword']],
    [['bootstrap', '--org', 'acme']],
    [['create-token', '--email', 'nobody@example.com']],
    [['bootstrap', '--bogus']],
    [['nope']],
  ])('exits 2 with a message on bad usage: %j', async (argv) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.length).toBeGreaterThan(0);
  });

  it('runs as `tsx server/src/cli.ts` with only the JSON line on stdout', async () => {
    const { stdout } = await promisify(execFile)(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      [
        'server/src/cli.ts',
        'bootstrap',
        '--org',
        'acme',
        '--project',
        'web',
        '--email',
        'admin@example.com',
        '--password',
        'pw-long-enough',
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env() },
        timeout: 60_000,
      },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ org: 'acme', project: 'web', created: { org: false } });
  });
});
