// From "this deploy is bad" to "this commit did it, and this person owns it" (issue 15), end to
// end: a real git repository built with the git CLI (two releases, commits by three authors on
// different files), the real sentry-cli (`releases new`, `set-commits --local`, `deploys new`),
// an application using @sentry/node run from that repository, a real Faultline (ROLE all) and a
// real SMTP server. Everything is read back through the API.
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../helpers/factories.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { call } from '../helpers/api-client.js';
import { createMember, startSmtp } from '../helpers/alert-fixtures.js';
import { createApiToken, sentryCli, type SentryCli } from '../helpers/sentry-cli.js';

const run = promisify(execFile);
const AUTHORS = { alice: 'alice@shop.test', bob: 'bob@shop.test', carol: 'carol@shop.test' } as const;

const APP = `import * as Sentry from '@sentry/node';
import { checkout } from './cart.mjs';
Sentry.init({ dsn: process.env.DSN, release: process.env.RELEASE, environment: 'production', sampleRate: 1, tracesSampleRate: 0 });
try {
  checkout({ items: [] });
} catch (err) {
  Sentry.captureException(err);
}
await Sentry.flush(5000);
`;
const CART_V1 = `export function checkout(cart) {\n  return cart.items.length;\n}\n`;
const CART_V2 = `export function checkout(cart) {\n  const total = cart.items.reduce((s, i) => s + i.price, 0);\n  return cart.coupon.apply(total);\n}\n`;
const PAY = `export function pay(amount) {\n  return { amount };\n}\n`;

describe('commits, suspect commits and ownership through sentry-cli and @sentry/node', { timeout: 120_000 }, () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let server: TestServer;
  let cli: SentryCli;
  let token: string;
  let repo: string;
  const members: Record<string, string> = {};
  const shas: Record<string, string> = {};

  const api = (p: string, opts: { method?: string; body?: unknown } = {}) =>
    call(server.url, `/api/0${p}`, { ...opts, token });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  const commitAs = (who: keyof typeof AUTHORS, message: string) => {
    execFileSync('git', ['commit', '-q', '-m', message], {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: who[0]!.toUpperCase() + who.slice(1),
        GIT_AUTHOR_EMAIL: AUTHORS[who],
        GIT_COMMITTER_NAME: 'CI',
        GIT_COMMITTER_EMAIL: 'ci@shop.test',
      },
    });
    return git('rev-parse', 'HEAD');
  };
  const cliOk = async (args: string[]) => {
    const r = await cli.run(args, { cwd: repo });
    if (r.code !== 0) throw new Error(`sentry-cli ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout + r.stderr;
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startTestServer({
      ROLE: 'all',
      BASE_URL: 'http://faultline.test',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      ALERT_DIGEST_WINDOW_SECONDS: '1',
      ALERT_RETRY_DELAY_MS: '300',
    });
    const admin = await createMember(server.pool, server.project.orgId, 'admin@shop.test', 'owner');
    token = admin.token;
    for (const [name, email] of Object.entries(AUTHORS))
      members[name] = (await createMember(server.pool, server.project.orgId, email)).userId;
    cli = await sentryCli({
      url: server.url,
      token: await createApiToken(server.pool, server.project.orgId),
      org: server.project.orgSlug,
      project: server.project.slug,
    });

    repo = await mkdtemp(path.join(tmpdir(), 'faultline-shop-'));
    git('init', '-q', '-b', 'main');
    git('remote', 'add', 'origin', 'https://github.com/acme/shop.git');
    await symlink(path.resolve('node_modules'), path.join(repo, 'node_modules'));
    await writeFile(path.join(repo, '.gitignore'), 'node_modules\n');
    await mkdir(path.join(repo, 'src'));
    await writeFile(path.join(repo, 'src/app.mjs'), APP);
    await writeFile(path.join(repo, 'src/cart.mjs'), CART_V1);
    git('add', '.gitignore', 'src/app.mjs', 'src/cart.mjs');
    shas.alice = commitAs('alice', 'Add the shop application and the cart');
    await writeFile(path.join(repo, 'src/pay.mjs'), PAY);
    git('add', 'src/pay.mjs');
    shas.carol1 = commitAs('carol', 'Add payments');
    await cliOk(['releases', 'new', 'shop@1.0.0']);
    await cliOk(['releases', 'set-commits', 'shop@1.0.0', '--local']);
    await cliOk(['deploys', 'new', '--release', 'shop@1.0.0', '-e', 'production']);

    await writeFile(path.join(repo, 'src/cart.mjs'), CART_V2);
    git('add', 'src/cart.mjs');
    shas.bob = commitAs('bob', 'Apply coupons at checkout');
    await writeFile(path.join(repo, 'README.md'), '# shop\n');
    git('add', 'README.md');
    shas.carol2 = commitAs('carol', 'Write a README');
    await cliOk(['releases', 'new', 'shop@1.1.0']);
    await cliOk(['releases', 'set-commits', 'shop@1.1.0', '--local']);
    await cliOk(['deploys', 'new', '--release', 'shop@1.1.0', '-e', 'production']);
  });

  afterAll(async () => {
    await cli?.cleanup();
    await server?.stop();
    await smtp?.stop();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  it('stores the commits each release brought, with authors and files, in Sentry shapes', async () => {
    const org = server.project.orgSlug;
    const v1 = await api(`/organizations/${org}/releases/shop@1.0.0/`);
    expect(v1.body).toMatchObject({ commitCount: 2, lastCommit: { id: shas.carol1 } });
    const v2 = await api(`/organizations/${org}/releases/shop@1.1.0/`);
    // previous-with-commits told the CLI where 1.0.0 ended: 1.1.0 holds only its own two commits.
    expect(v2.body).toMatchObject({
      commitCount: 2,
      lastCommit: { id: shas.carol2, author: { email: AUTHORS.carol } },
    });
    expect(v2.body.authors.map((a: { email: string }) => a.email).sort()).toEqual([AUTHORS.bob, AUTHORS.carol]);
    const commits = await api(`/organizations/${org}/releases/shop@1.1.0/commits/`);
    expect(commits.body.map((c: { id: string }) => c.id)).toEqual([shas.carol2, shas.bob]);
    const files = await api(`/organizations/${org}/releases/shop@1.1.0/commitfiles/`);
    expect(files.body).toContainEqual(
      expect.objectContaining({ filename: 'src/cart.mjs', type: 'M', commitId: shas.bob }),
    );
  });

  it('finds the suspect commit, the owner, auto-assigns, e-mails the owner once and names the commit on the deploy', async () => {
    const org = server.project.orgSlug;
    const p = `/projects/${org}/${server.project.slug}`;
    expect(
      (await api(`/organizations/${org}/teams/`, { method: 'POST', body: { name: 'Web', slug: 'web' } })).status,
    ).toBe(201);
    expect((await api(`/organizations/${org}/members/${AUTHORS.carol}/teams/web/`, { method: 'POST' })).status).toBe(
      201,
    );
    const put = await api(`${p}/ownership/`, {
      method: 'PUT',
      body: {
        raw: `# the web team owns the sources, Alice the cart\npath:src/*.mjs #web\npath:src/cart.mjs ${AUTHORS.alice}\nurl:https://shop.test/admin/* ${AUTHORS.carol}\n`,
        autoAssignment: 'Auto Assign to Issue Owner',
      },
    });
    expect(put.status).toBe(200);
    const rule = await api(`${p}/alert-rules/`, {
      method: 'POST',
      body: { name: 'New issues to owners', conditions: [{ type: 'first_seen' }], actions: [{ type: 'owners' }] },
    });
    expect(rule.status).toBe(201);

    await run(process.execPath, [path.join(repo, 'src/app.mjs')], {
      cwd: repo,
      env: { ...process.env, DSN: server.project.dsn, RELEASE: 'shop@1.1.0' },
      timeout: 30_000,
    });
    const stored = await waitFor(
      async () =>
        (
          await server.pool.query<{ eventId: string; issueId: string }>(
            `SELECT replace(event_id::text, '-', '') AS "eventId", issue_id AS "issueId" FROM events WHERE project_id = $1`,
            [server.project.projectId],
          )
        ).rows[0],
      { message: 'the event stored', timeout: 20_000 },
    );

    const committers = await api(`${p}/events/${stored.eventId}/committers/`);
    expect(committers.status).toBe(200);
    expect(committers.body.committers[0].author).toMatchObject({ id: members.bob, email: AUTHORS.bob });
    expect(committers.body.committers[0].commits[0]).toMatchObject({
      id: shas.bob,
      message: 'Apply coupons at checkout\n',
      suspectCommitType: 'via commit in release',
    });
    const suspectShas = committers.body.committers.flatMap((c: { commits: Array<{ id: string }> }) =>
      c.commits.map((x) => x.id),
    );
    expect(suspectShas).not.toContain(shas.carol2); // README.md is in no frame

    const owners = await api(`${p}/events/${stored.eventId}/owners/`);
    expect(owners.body.owners).toEqual([
      { type: 'user', id: members.alice, name: 'alice', email: AUTHORS.alice },
      expect.objectContaining({ type: 'team', name: 'web' }),
    ]);
    expect(owners.body.rules.map((r: { matcher: string }) => r.matcher)).toEqual([
      'path:src/cart.mjs',
      'path:src/*.mjs',
    ]);

    const issue = await waitFor(
      async () => {
        const r = await api(`/organizations/${org}/issues/${stored.issueId}/`);
        return r.body.assignedTo ? r.body : null;
      },
      { message: 'the auto-assignment' },
    );
    expect(issue.assignedTo).toMatchObject({ type: 'user', id: members.alice, email: AUTHORS.alice });

    const mail = await waitFor(() => smtp.mails.find((m) => m.to.includes(AUTHORS.alice)), {
      message: 'the owner e-mail',
      timeout: 20_000,
    });
    expect(mail.raw).toContain('Suspect commits:');
    expect(mail.raw).toContain(`${shas.bob!.slice(0, 12)} by bob <${AUTHORS.bob}>: Apply coupons at checkout`);
    await waitFor(() => smtp.mails.some((m) => m.to.includes(AUTHORS.carol)), { message: 'the team member e-mail' });
    const history = await waitFor(
      async () => {
        const h = await api(`${p}/alert-history/`);
        return h.body.filter((r: { status: string }) => r.status === 'sent').length >= 2 ? h.body : null;
      },
      { message: 'both deliveries sent' },
    );
    expect(history.filter((r: { status: string }) => r.status === 'fired')).toHaveLength(1);
    expect(smtp.mails.filter((m) => m.to.includes(AUTHORS.alice))).toHaveLength(1);

    const deploys = await api(`/organizations/${org}/releases/shop@1.1.0/deploys/`);
    const deployId: string = deploys.body[0].id;
    const health = await api(`/organizations/${org}/releases/shop@1.1.0/deploys/${deployId}/health/`);
    expect(health.body.newIssues[0]).toMatchObject({
      issueId: stored.issueId,
      suspectCommits: [expect.objectContaining({ id: shas.bob, author: { name: 'bob', email: AUTHORS.bob } })],
    });
    const reason = health.body.reasons.find((r: { issueId?: string }) => r.issueId === stored.issueId);
    expect(reason.message).toContain(`suspect commit ${shas.bob!.slice(0, 12)} by bob`);
    expect(health.body.rollbackTarget).toMatchObject({ version: 'shop@1.0.0', source: 'deploy' });
    const deployCommits = await api(`/organizations/${org}/releases/shop@1.1.0/deploys/${deployId}/commits/`);
    expect(deployCommits.body.map((c: { id: string }) => c.id)).toEqual([shas.carol2, shas.bob]);
  });

  it('assigns the new issue to the team when a #team is its owner, and e-mails the team members', async () => {
    const project = await createProject(server.pool, {
      orgSlug: server.project.orgSlug,
      slug: 'team-owned',
      baseUrl: server.url,
    });
    const p = `/projects/${project.orgSlug}/${project.slug}`;
    // #web was created (with Carol in it) by the test above.
    expect((await api(`${p}/ownership/`, { method: 'PUT', body: { raw: 'path:src/*.mjs #web' } })).status).toBe(200);
    await api(`${p}/alert-rules/`, {
      method: 'POST',
      body: { name: 'New issues to the team', conditions: [{ type: 'first_seen' }], actions: [{ type: 'owners' }] },
    });
    const before = smtp.mails.filter((m) => m.to.includes(AUTHORS.carol)).length;
    await run(process.execPath, [path.join(repo, 'src/app.mjs')], {
      cwd: repo,
      env: { ...process.env, DSN: project.dsn, RELEASE: 'shop@1.1.0' },
      timeout: 30_000,
    });
    const issues = await waitFor(
      async () => {
        const r = await api(`${p}/issues/?query=${encodeURIComponent('assigned:#web')}`);
        return r.body.length > 0 ? r.body : null;
      },
      { message: 'the team assignment', timeout: 20_000 },
    );
    expect(issues).toHaveLength(1);
    expect(issues[0].assignedTo).toEqual({ type: 'team', id: expect.any(String), name: 'web' });
    const mail = await waitFor(() => smtp.mails.filter((m) => m.to.includes(AUTHORS.carol))[before], {
      message: 'the team member e-mail',
      timeout: 20_000,
    });
    expect(mail.raw).toContain('Rule: New issues to the team');
  });

  it('e-mails the person on call when no ownership rule matches the issue (owners action fallback)', async () => {
    const project = await createProject(server.pool, {
      orgSlug: server.project.orgSlug,
      slug: 'fallback',
      baseUrl: server.url,
    });
    const p = `/projects/${project.orgSlug}/${project.slug}`;
    expect(
      (await api(`${p}/ownership/`, { method: 'PUT', body: { raw: `path:*.py ${AUTHORS.alice}`, fallthrough: true } }))
        .status,
    ).toBe(200);
    const oncall = await api(`${p}/oncall/`, {
      method: 'PUT',
      body: {
        members: [members.bob],
        rotation: { length: 1, unit: 'weeks' },
        handoffTime: '09:00',
        timeZone: 'UTC',
        startDate: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
      },
    });
    expect(oncall.status).toBe(200);
    await api(`${p}/alert-rules/`, {
      method: 'POST',
      body: { name: 'Owners or on-call', conditions: [{ type: 'first_seen' }], actions: [{ type: 'owners' }] },
    });
    const before = smtp.mails.filter((m) => m.to.includes(AUTHORS.bob)).length;
    await run(process.execPath, [path.join(repo, 'src/app.mjs')], {
      cwd: repo,
      env: { ...process.env, DSN: project.dsn, RELEASE: 'shop@1.1.0' },
      timeout: 30_000,
    });
    const mail = await waitFor(() => smtp.mails.filter((m) => m.to.includes(AUTHORS.bob))[before], {
      message: 'the on-call e-mail',
      timeout: 20_000,
    });
    expect(mail.raw).toContain('Rule: Owners or on-call');
    expect(smtp.mails.filter((m) => m.to.includes(AUTHORS.alice))).toHaveLength(1); // still only the first issue's e-mail
  });
});
