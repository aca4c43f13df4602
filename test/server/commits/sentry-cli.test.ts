// The real sentry-cli's other set-commits modes against Faultline's repositories (issue 15):
// `--auto` finds the organization repository whose URL matches the git remote and sends its
// head commit, `--commit repo@sha` sends the one named, `--clear` empties the release, and the
// CLI itself refuses a repository the organization does not have.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { call } from '../../helpers/api-client.js';
import { createMember } from '../../helpers/alert-fixtures.js';
import { createApiToken, sentryCli, type SentryCli } from '../../helpers/sentry-cli.js';

let server: TestServer;
let cli: SentryCli;
let token: string;
let repo: string;
let head: string;

const api = (p: string, opts: { method?: string; body?: unknown } = {}) =>
  call(server.url, `/api/0/organizations/${server.project.orgSlug}${p}`, { ...opts, token });

async function ok(args: string[]): Promise<string> {
  const r = await cli.run(args, { cwd: repo });
  if (r.code !== 0) throw new Error(`sentry-cli ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout + r.stderr;
}

beforeAll(async () => {
  server = await startTestServer({ ROLE: 'api' });
  token = (await createMember(server.pool, server.project.orgId, 'owner@shop.test', 'owner')).token;
  cli = await sentryCli({
    url: server.url,
    token: await createApiToken(server.pool, server.project.orgId),
    org: server.project.orgSlug,
    project: server.project.slug,
  });
  repo = path.join(cli.home, 'shop');
  await mkdir(repo, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...process.env,
        HOME: cli.home,
        GIT_AUTHOR_NAME: 'Ann',
        GIT_AUTHOR_EMAIL: 'ann@shop.test',
        GIT_COMMITTER_NAME: 'CI',
        GIT_COMMITTER_EMAIL: 'ci@shop.test',
      },
    }).trim();
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', 'git@github.com:acme/shop.git'); // SSH form: the CLI normalizes both sides
  await writeFile(path.join(repo, 'cart.js'), 'export {};\n');
  git('add', 'cart.js');
  git('commit', '-q', '-m', 'Add the cart');
  head = git('rev-parse', 'HEAD');
});

afterAll(async () => {
  await cli?.cleanup();
  await server?.stop();
});

describe('sentry-cli set-commits with organization repositories', () => {
  it('--auto matches the git remote to the repository and sets its head commit', async () => {
    const created = await api('/repos/', {
      method: 'POST',
      body: { name: 'acme/shop', url: 'https://github.com/acme/shop' },
    });
    expect(created.body.provider).toEqual({ id: 'integrations:github', name: 'GitHub' });
    await ok(['releases', 'new', 'shop@1.0.0']);
    const out = await ok(['releases', 'set-commits', 'shop@1.0.0', '--auto']);
    expect(out).not.toContain('Proceeding to find commits from local git tree');
    const release = await api('/releases/shop@1.0.0/');
    expect(release.body).toMatchObject({ commitCount: 1, lastCommit: { id: head } });
    const commits = await api('/releases/shop@1.0.0/commits/');
    expect(commits.body).toEqual([
      expect.objectContaining({ id: head, repository: expect.objectContaining({ name: 'acme/shop' }) }),
    ]);
  });

  it('--commit sets the named commit, --clear removes them all', async () => {
    const sha = 'c0ffee0000000000000000000000000000000001';
    await ok(['releases', 'new', 'shop@1.1.0']);
    await ok(['releases', 'set-commits', 'shop@1.1.0', '--commit', `acme/shop@${sha}`]);
    expect((await api('/releases/shop@1.1.0/')).body).toMatchObject({ commitCount: 1, lastCommit: { id: sha } });
    await ok(['releases', 'set-commits', 'shop@1.1.0', '--clear']);
    expect((await api('/releases/shop@1.1.0/')).body).toMatchObject({ commitCount: 0, lastCommit: null });
    expect((await api('/releases/shop@1.1.0/commits/')).body).toEqual([]);
  });

  it('--commit naming a repository the organization lacks fails and leaves the release alone', async () => {
    const r = await cli.run(['releases', 'set-commits', 'shop@1.0.0', '--commit', 'acme/nope@abc123'], { cwd: repo });
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toContain("Unknown repo 'acme/nope'");
    expect((await api('/releases/shop@1.0.0/')).body).toMatchObject({ commitCount: 1, lastCommit: { id: head } });
  });

  it('answers self-hosted forges with a provider the CLI matches by URL', async () => {
    const gitea = await api('/repos/', {
      method: 'POST',
      body: { name: 'acme/infra', url: 'https://git.example.com/acme/infra', provider: 'gitea' },
    });
    expect(gitea.body.provider).toEqual({ id: 'git', name: 'gitea' });
    const gitlab = await api('/repos/', {
      method: 'POST',
      body: { name: 'acme/api', url: 'https://gitlab.example.com/acme/api' },
    });
    expect(gitlab.body.provider).toEqual({ id: 'integrations:gitlab', name: 'GitLab' });
  });
});
