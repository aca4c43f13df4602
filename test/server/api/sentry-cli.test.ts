// The real sentry-cli 3.8 binary (npm @sentry/cli) against a running server: info, organizations,
// projects, issues list and the bulk issue commands, asserting their effect in the database.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { createIssue, createMember, type Member } from '../../helpers/api-factories.js';

const SENTRY_CLI = path.resolve(import.meta.dirname, '../../../node_modules/.bin/sentry-cli');
const run = promisify(execFile);

describe('sentry-cli 3.8 against the API', () => {
  let server: TestServer;
  let p: CreatedProject;
  let owner: Member;
  let home: string;
  const ids: string[] = [];

  /** Runs sentry-cli with no config files (HOME is empty) and only the env it needs. */
  async function cli(...args: string[]): Promise<string> {
    const { stdout } = await run(SENTRY_CLI, ['--url', server.url, ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        SENTRY_AUTH_TOKEN: owner.token,
        SENTRY_LOG_LEVEL: 'warn',
        SENTRY_DISABLE_UPDATE_CHECK: 'true',
        SENTRY_NO_PROGRESS_BAR: '1',
      },
      cwd: home,
      timeout: 60_000,
    });
    return stdout;
  }

  const status = async (id: string) =>
    (await server.pool.query<{ status: string }>('SELECT status FROM issues WHERE id = $1', [id])).rows[0]!.status;

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'sentry-cli-home-'));
    server = await startTestServer({ ROLE: 'api' });
    p = await createProject(server.pool, { orgSlug: 'acme', slug: 'web', baseUrl: server.url });
    await server.pool.query(`UPDATE projects SET short_id_prefix = 'WEB' WHERE id = $1`, [p.projectId]);
    owner = await createMember(server.pool, { orgId: p.orgId, role: 'owner', email: 'admin@example.com' });
    ids.push(
      (
        await createIssue(server.pool, {
          projectId: p.projectId,
          title: 'TypeError: cart is undefined',
          lastSeen: new Date(Date.now() - 60_000),
        })
      ).id,
    );
    ids.push(
      (
        await createIssue(server.pool, {
          projectId: p.projectId,
          title: 'RangeError: Invalid array length',
          level: 'fatal',
        })
      ).id,
    );
    ids.push(
      (
        await createIssue(server.pool, {
          projectId: p.projectId,
          title: 'Payment declined',
          level: 'warning',
          lastSeen: new Date(Date.now() - 120_000),
        })
      ).id,
    );
  });
  afterAll(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('info shows the token user and scopes', async () => {
    const out = await cli('info', '--no-defaults');
    expect(out).toContain(`Sentry Server: ${server.url}`);
    expect(out).toContain('User: admin@example.com');
    expect(out).toContain('event:write');
  });

  it('organizations list and projects list', async () => {
    expect(await cli('organizations', 'list')).toMatch(/\|\s*\d+\s*\|\s*acme\s*\|\s*acme\s*\|/);
    expect(await cli('projects', 'list', '-o', 'acme')).toMatch(/\|\s*\d+\s*\|\s*web\s*\|/);
  });

  it('issues list shows every issue with short id, status and level', async () => {
    const out = await cli('issues', 'list', '-o', 'acme', '-p', 'web');
    expect(out).toContain('WEB-1');
    expect(out).toContain('TypeError: cart is undefined');
    expect(out).toMatch(/WEB-2 .*RangeError: Invalid array length.*unresolved .*fatal/);
  });

  it('issues list follows the Link header cursors across pages', async () => {
    const many = await createProject(server.pool, { orgSlug: 'acme', slug: 'many', baseUrl: server.url });
    for (let i = 0; i < 30; i++)
      await createIssue(server.pool, { projectId: many.projectId, title: `Paged problem ${i}` });
    const out = await cli('issues', 'list', '-o', 'acme', '-p', 'many');
    expect(out.match(/Paged problem \d+/g)?.length).toBe(30);
  });

  it('issues resolve / mute / unresolve change the selected issues only', async () => {
    expect(await cli('issues', 'resolve', '-o', 'acme', '-p', 'web', '-i', ids[0]!)).toContain('new status: resolved');
    expect(await status(ids[0]!)).toBe('resolved');
    expect(await status(ids[1]!)).toBe('unresolved');

    await cli('issues', 'mute', '-o', 'acme', '-p', 'web', '-i', ids[1]!, '-i', ids[2]!);
    expect([await status(ids[1]!), await status(ids[2]!)]).toEqual(['ignored', 'ignored']);
    expect(await status(ids[0]!)).toBe('resolved');

    await cli('issues', 'unresolve', '-o', 'acme', '-p', 'web', '-i', ids[0]!);
    expect(await status(ids[0]!)).toBe('unresolved');

    const listed = await cli('issues', 'list', '-o', 'acme', '-p', 'web');
    expect(listed).toMatch(/WEB-2 .*ignored/);
  });

  it('selects by status (-s) and resolves in the next release (-n)', async () => {
    await cli('issues', 'unresolve', '-o', 'acme', '-p', 'web', '-s', 'muted');
    expect(await Promise.all(ids.map(status))).toEqual(['unresolved', 'unresolved', 'unresolved']);
    await cli('issues', 'resolve', '-o', 'acme', '-p', 'web', '-n', '-i', ids[2]!);
    expect(await status(ids[2]!)).toBe('resolved');
    await cli('issues', 'resolve', '-o', 'acme', '-p', 'web', '--all');
    expect(await Promise.all(ids.map(status))).toEqual(['resolved', 'resolved', 'resolved']);
  });

  it('fails with the server message on a bad token', async () => {
    const err = await run(SENTRY_CLI, ['--url', server.url, 'organizations', 'list'], {
      env: { PATH: process.env.PATH ?? '', HOME: home, SENTRY_AUTH_TOKEN: 'sntryu_wrong', SENTRY_LOG_LEVEL: 'warn' },
      cwd: home,
    }).then(
      () => null,
      (e: { stderr: string }) => e,
    );
    expect(err?.stderr).toMatch(/invalid token/);
  });
});
