// The real sentry-cli 3.x against Faultline's releases and deploys API: releases new / finalize
// / list / info / delete, set-commits --local, deploys new (both spellings,
// all options) and deploys list.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createApiToken, sentryCli, type SentryCli } from '../../helpers/sentry-cli.js';

let server: TestServer;
let cli: SentryCli;

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'api' });
  const token = await createApiToken(server.pool, server.project.orgId);
  cli = await sentryCli({ url: server.url, token, org: server.project.orgSlug, project: server.project.slug });
});

afterAll(async () => {
  await cli?.cleanup();
  await server?.stop();
});

async function ok(args: string[], opts?: { cwd?: string }): Promise<string> {
  const r = await cli.run(args, opts);
  if (r.code !== 0) throw new Error(`sentry-cli ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout + r.stderr;
}

describe('sentry-cli releases', () => {
  it('creates a release (twice is fine), shows it in info and list', async () => {
    await ok(['releases', 'new', 'web@1.0.0']);
    await ok(['releases', 'new', 'web@1.0.0']);
    const info = await ok(['releases', 'info', 'web@1.0.0']);
    expect(info).toContain('web@1.0.0');
    const list = await ok(['releases', 'list']);
    expect(list).toContain('web@1.0.0');
    const { rows } = await server.pool.query(
      `SELECT r.version FROM releases r JOIN release_projects x ON x.release_id = r.id WHERE x.project_id = $1`,
      [server.project.projectId],
    );
    expect(rows.map((r) => r.version)).toContain('web@1.0.0');
  });

  it('finalizes a release with a release time', async () => {
    await ok(['releases', 'new', 'web@1.1.0']);
    await ok(['releases', 'finalize', 'web@1.1.0', '--released', '1767225600']);
    const { rows } = await server.pool.query(`SELECT date_released FROM releases WHERE version = 'web@1.1.0'`);
    expect((rows[0]!.date_released as Date).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('fails info for an unknown version (404)', async () => {
    const r = await cli.run(['releases', 'info', 'web@9.9.9']);
    expect(r.code).not.toBe(0);
  });

  it('stores what set-commits --local sends', async () => {
    const repo = path.join(cli.home, 'repo');
    await mkdir(repo, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: repo,
        env: {
          ...process.env,
          HOME: cli.home,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.test',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.test',
        },
      });
    git('init', '-q');
    await writeFile(path.join(repo, 'a.txt'), 'a');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'first');
    await ok(['releases', 'new', 'web@1.2.0']);
    await ok(['releases', 'set-commits', 'web@1.2.0', '--local'], { cwd: repo });
    const { rows } = await server.pool.query(
      `SELECT c.message FROM release_commits rc JOIN releases r ON r.id = rc.release_id JOIN commits c ON c.id = rc.commit_id WHERE r.version = 'web@1.2.0'`,
    );
    expect(rows.map((r) => r.message)).toEqual(['first\n']);
  });

  it('deletes a release', async () => {
    await ok(['releases', 'new', 'web@0.0.1']);
    await ok(['releases', 'delete', 'web@0.0.1']);
    const { rows } = await server.pool.query(`SELECT 1 FROM releases WHERE version = 'web@0.0.1'`);
    expect(rows).toHaveLength(0);
  });
});

describe('sentry-cli deploys', () => {
  it('records deploys with name, url, start and finish, and lists them', async () => {
    await ok(['releases', 'new', 'web@2.0.0']);
    await ok([
      'deploys',
      'new',
      '--release',
      'web@2.0.0',
      '-e',
      'production',
      '--name',
      'canary-1',
      '--url',
      'https://ci.example.test/1',
      '--started',
      '1767225600',
      '--finished',
      '1767225660',
    ]);
    await ok(['releases', 'deploys', 'web@2.0.0', 'new', '-e', 'staging']);
    const { rows } = await server.pool.query(
      `SELECT d.environment, d.name, d.url, d.date_started, d.date_finished, d.project_ids::text[] AS projects
         FROM deploys d JOIN releases r ON r.id = d.release_id WHERE r.version = 'web@2.0.0' ORDER BY d.id`,
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      environment: 'production',
      name: 'canary-1',
      url: 'https://ci.example.test/1',
      projects: [server.project.projectId],
    });
    expect((rows[0]!.date_started as Date).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect((rows[0]!.date_finished as Date).toISOString()).toBe('2026-01-01T00:01:00.000Z');
    expect(rows[1]).toMatchObject({ environment: 'staging', name: null, date_started: null });
    const list = await ok(['deploys', 'list', '--release', 'web@2.0.0']);
    expect(list).toContain('production');
    expect(list).toContain('canary-1');
    expect(list).toContain('staging');
  });

  it('refuses a deploy for an unknown release', async () => {
    const r = await cli.run(['deploys', 'new', '--release', 'web@404', '-e', 'production']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.toLowerCase()).toContain('not found');
  });
});
