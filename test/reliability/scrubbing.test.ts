// Data scrubbing end to end: the official @sentry/node SDK reports an error whose request,
// extra data, breadcrumbs, tags and message carry a password, a bearer token and a card number.
// With the default settings none of them is anywhere in Postgres afterwards (raw rows of events,
// issues and issue_tag_values); a project that turned the scrubber off through the API stores
// them, which proves the SDK really sent them.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { createMember, type Member } from '../helpers/api-factories.js';
import { PAYLOAD_COLUMNS, withPayloads } from '../helpers/events.js';

const run = promisify(execFile);
const SECRETS = { PASSWORD: 'hunter2-Zq81!', TOKEN: 'tok5b7f0c2e9a1d44ee77', CARD: '4242 4242 4242 4242' };
const NEEDLES = [
  SECRETS.PASSWORD,
  encodeURIComponent(SECRETS.PASSWORD),
  SECRETS.TOKEN,
  SECRETS.CARD,
  SECRETS.CARD.replaceAll(' ', ''),
];

describe('data scrubbing with a real SDK', () => {
  let s: TestServer;
  let owner: Member;
  let open: CreatedProject;
  beforeAll(async () => {
    s = await startTestServer({ ROLE: 'all' });
    owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
    open = await createProject(s.pool, { orgSlug: s.project.orgSlug, baseUrl: s.url });
  });
  afterAll(async () => {
    await s?.stop();
  });

  async function report(dsn: string): Promise<void> {
    await run(process.execPath, [path.join(import.meta.dirname, 'programs/leaky-app.mjs')], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { ...process.env, DSN: dsn, ...SECRETS },
      timeout: 20_000,
    });
  }

  /** Every text Faultline stored for a project, from the raw rows. */
  async function storedText(projectId: string): Promise<string> {
    const events = withPayloads(
      (
        await s.pool.query(
          `SELECT ${PAYLOAD_COLUMNS}, title || coalesce(user_key, '') AS t FROM events WHERE project_id = $1`,
          [projectId],
        )
      ).rows,
    );
    const rows = await s.pool.query<{ t: string }>(
      `SELECT title || culprit || metadata::text || coalesce(g.grouping::text, '') FROM issues LEFT JOIN issue_grouping g ON g.issue_id = issues.id WHERE project_id = $1
       UNION ALL SELECT v.key || '=' || v.value FROM issue_tag_values v JOIN issues i ON i.id = v.issue_id WHERE i.project_id = $1`,
      [projectId],
    );
    return [...events.map((e) => JSON.stringify(e.payload) + String(e.t)), ...rows.rows.map((r) => r.t)].join('\n');
  }

  it('keeps passwords, auth headers and card numbers out of Postgres by default', async () => {
    await report(s.project.dsn);
    const text = await waitFor(
      async () => {
        const n = await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [
          s.project.projectId,
        ]);
        return n.rows[0]!.n === 1 ? storedText(s.project.projectId) : null;
      },
      { timeout: 20_000, message: 'the event' },
    );
    for (const needle of NEEDLES) expect(text).not.toContain(needle);
    expect(text).toContain('[Filtered]');
    expect(text).toContain('card [Filtered] declined'); // the message stays readable
    expect(text).toContain('buyer@example.com'); // not a secret by default
  });

  it('stores them for a project whose owner turned scrubbing off', async () => {
    const res = await fetch(`${s.url}/api/0/projects/${open.orgSlug}/${open.slug}/data-scrubbing/`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ dataScrubber: false }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      dataScrubber: false,
      dataScrubberDefaults: true,
      scrubIPAddresses: false,
    });
    await report(open.dsn);
    const text = await waitFor(
      async () => {
        const n = await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE project_id = $1', [
          open.projectId,
        ]);
        return n.rows[0]!.n === 1 ? storedText(open.projectId) : null;
      },
      { timeout: 20_000, message: 'the unscrubbed event' },
    );
    for (const needle of [SECRETS.PASSWORD, SECRETS.TOKEN, SECRETS.CARD]) expect(text).toContain(needle);
  });
});
