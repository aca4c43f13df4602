// Feature flags through a running Faultline (ingest + worker + API): the signed generic
// change-tracking webhook and its audit log, the flag-change verdict, the two alert conditions,
// and hostile input (flags contexts that are not lists, 10,000 flags, 10 KB names, a webhook
// before any secret is set) — bounded or refused with a clear 4xx, never a 5xx.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evaluateObservedFlagChanges } from '../../../server/src/alerts/flag-change-verdict.js';
import { signBody } from '../../../server/src/flags/webhook.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { PAYLOAD_COLUMNS, withPayloads } from '../../helpers/events.js';
import type { StoredPayload } from '../../../server/src/events/payload-codec.js';
import { call } from '../../helpers/api-client.js';
import { createMember, type Member } from '../../helpers/api-factories.js';

let s: TestServer;
let owner: Member;
const SECRET = randomBytes(24).toString('hex');
let changeSeq = 1;
vi.setConfig({ testTimeout: 60_000 });

beforeAll(async () => {
  s = await startTestServer({ ROLE: 'all' });
  owner = await createMember(s.pool, { orgId: s.project.orgId, role: 'owner' });
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

const org = () => s.project.orgSlug;
const hookPath = () => `/api/0/organizations/${org()}/flags/hooks/provider/generic/`;

function change(flag: string, createdAt: Date, action = 'updated') {
  return {
    action,
    change_id: changeSeq++,
    created_at: createdAt.toISOString(),
    created_by: { id: 'ops@example.com', type: 'email' },
    flag,
  };
}

async function postHook(body: string, signature: string | null) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== null) headers['x-sentry-signature'] = signature;
  return call(s.url, hookPath(), { method: 'POST', body, headers });
}

/** Sends events through the store endpoint (as python-sentry-sdk does) and waits until stored. */
async function sendEvents(events: Array<Record<string, unknown>>): Promise<void> {
  const auth = `Sentry sentry_key=${s.project.publicKey}, sentry_version=7, sentry_client=test/1.0`;
  const ids = events.map(() => randomBytes(16).toString('hex'));
  for (let i = 0; i < events.length; i += 25) {
    await Promise.all(
      events.slice(i, i + 25).map(async (e, j) => {
        const res = await fetch(`${s.url}/api/${s.project.projectId}/store/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sentry-auth': auth },
          body: JSON.stringify({ event_id: ids[i + j], platform: 'javascript', level: 'error', ...e }),
        });
        expect(res.status).toBe(200);
      }),
    );
  }
  await waitFor(
    async () => {
      const { rows } = await s.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE project_id = $1 AND event_id = ANY($2::uuid[])`,
        [s.project.projectId, ids],
      );
      return rows[0]!.n === ids.length;
    },
    { message: `${ids.length} stored events`, timeout: 30_000, interval: 50 },
  );
}

function errorEvent(title: string, at: Date, flags: Record<string, unknown>): Record<string, unknown> {
  return {
    timestamp: at.getTime() / 1000,
    exception: {
      values: [
        {
          type: 'Error',
          value: title,
          stacktrace: {
            frames: [
              { filename: `app:///${title.replace(/\W/g, '')}.js`, function: 'handle', lineno: 10, in_app: true },
            ],
          },
        },
      ],
    },
    contexts: { flags: { values: Object.entries(flags).map(([flag, result]) => ({ flag, result })) } },
  };
}

describe('generic change-tracking webhook', () => {
  it('refuses a webhook while no signing secret is set, and stores nothing', async () => {
    const body = JSON.stringify({ data: [change('new-checkout', new Date())], meta: { version: 1 } });
    const res = await postHook(body, signBody('not-configured-yet-1234', body));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('signing-secret-not-configured');
    expect((await s.pool.query('SELECT count(*)::int AS n FROM flag_audit_logs')).rows[0]).toEqual({ n: 0 });
  });

  it('sets the secret through the API (masked when read back)', async () => {
    const short = await call(s.url, `/api/0/organizations/${org()}/flags/signing-secrets/`, {
      method: 'POST',
      token: owner.token,
      body: { provider: 'generic', secret: 'short' },
    });
    expect(short.status).toBe(400);
    const res = await call(s.url, `/api/0/organizations/${org()}/flags/signing-secrets/`, {
      method: 'POST',
      token: owner.token,
      body: { provider: 'generic', secret: SECRET },
    });
    expect(res.status).toBe(201);
    const list = await call(s.url, `/api/0/organizations/${org()}/flags/signing-secrets/`, { token: owner.token });
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0].provider).toBe('generic');
    expect(list.body.data[0].secret).not.toContain(SECRET.slice(4, 12));
  });

  it('refuses a wrong or missing signature and stores nothing', async () => {
    const body = JSON.stringify({ data: [change('new-checkout', new Date())], meta: { version: 1 } });
    for (const sig of [signBody('some-other-secret-abcdef', body), null, 'zz', signBody(SECRET, `${body} `)]) {
      const res = await postHook(body, sig);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid-signature');
    }
    expect((await s.pool.query('SELECT count(*)::int AS n FROM flag_audit_logs')).rows[0]).toEqual({ n: 0 });
  });

  it('a signed webhook creates audit-log entries (once per change_id) readable through the logs API', async () => {
    const at = new Date(Date.now() - 3 * 3600_000);
    const c = change('dark-mode', at, 'created');
    const body = JSON.stringify({ data: [c, c, change('search-v2', at, 'deleted')], meta: { version: 1 } });
    const res = await postHook(body, signBody(SECRET, body));
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(2);
    const again = await postHook(body, signBody(SECRET, body)); // a provider retry stores nothing twice
    expect(again.status).toBe(200);
    expect(again.body.data).toHaveLength(0);

    const logs = await call(s.url, `/api/0/organizations/${org()}/flags/logs/?flag=dark-mode`, { token: owner.token });
    expect(logs.status).toBe(200);
    expect(logs.body.data).toEqual([
      expect.objectContaining({
        flag: 'dark-mode',
        action: 'created',
        createdBy: 'ops@example.com',
        createdByType: 'email',
        provider: 'generic',
        createdAt: at.toISOString(),
      }),
    ]);
  });

  it('bad payloads get a 400 naming the field; a 10 KB flag name is refused', async () => {
    const cases: Array<[unknown, string]> = [
      [{ data: [{ ...change('x', new Date()), flag: 'f'.repeat(10_240) }], meta: { version: 1 } }, 'flag'],
      [{ data: [{ ...change('x', new Date()), action: 'exploded' }], meta: { version: 1 } }, 'action'],
      [{ data: 'nope', meta: { version: 1 } }, 'data'],
      [{ data: [change('x', new Date())] }, 'meta'],
      [{ data: Array.from({ length: 1001 }, () => change('x', new Date())), meta: { version: 1 } }, 'data'],
      [
        {
          data: [{ ...change('x', new Date()), created_by: { id: 'o'.repeat(101), type: 'email' } }],
          meta: { version: 1 },
        },
        'created_by',
      ],
    ];
    for (const [payload, field] of cases) {
      const body = JSON.stringify(payload);
      const res = await postHook(body, signBody(SECRET, body));
      expect(res.status, body.slice(0, 80)).toBe(400);
      expect(JSON.stringify(res.body)).toContain(field);
    }
    expect((await s.pool.query('SELECT count(*)::int AS n FROM flag_audit_logs')).rows[0]).toEqual({ n: 2 });
    const notJson = await postHook('{"data": [', signBody(SECRET, '{"data": ['));
    expect(notJson.status).toBe(400);
    const unknown = await call(s.url, `/api/0/organizations/${org()}/flags/hooks/provider/acme/`, {
      method: 'POST',
      body: '{}',
    });
    expect(unknown.status).toBe(404);
  });
});

describe('flag evaluations: hostile contexts are bounded, the event is kept', () => {
  it('a flags context that is not a list, 10,000 flags and a 10 KB flag name', async () => {
    const now = new Date();
    const many = Array.from({ length: 10_000 }, (_, i) => ({ flag: `flag-${i}`, result: i % 2 === 0 }));
    await sendEvents([
      { ...errorEvent('not a list', now, {}), contexts: { flags: { values: 'yes please' } } },
      { ...errorEvent('flags is a string', now, {}), contexts: { flags: 'new-checkout=true' } },
      { ...errorEvent('ten thousand flags', now, {}), contexts: { flags: { values: many } } },
      {
        ...errorEvent('huge flag name', now, {}),
        contexts: {
          flags: {
            values: [
              { flag: 'n'.repeat(10_240), result: true },
              { flag: 'ok-flag', result: false },
              { flag: 'obj', result: { a: 1 } },
            ],
          },
        },
      },
    ]);
    const rows = withPayloads<
      {
        title: string;
        contexts?: { flags?: { values: Array<{ flag: string; result: unknown }> } };
        errors?: Array<{ reason: string }>;
      },
      StoredPayload & { issue_id: string }
    >(
      (
        await s.pool.query<StoredPayload & { issue_id: string }>(
          `SELECT issue_id::text, ${PAYLOAD_COLUMNS} FROM events WHERE project_id = $1`,
          [s.project.projectId],
        )
      ).rows,
    );
    const by = (t: string) => rows.find((r) => r.payload.title.includes(t))!;

    expect(by('not a list').payload.contexts!.flags!.values).toEqual([]);
    expect(
      by('not a list')
        .payload.errors!.map((e) => e.reason)
        .join(),
    ).toContain('must be a list');

    expect(by('flags is a string').payload.errors!.map((e) => e.reason)).toContain(
      'contexts.flags must be an object {"values": [...]}, got string',
    );

    const ten = by('ten thousand flags');
    expect(ten.payload.contexts!.flags!.values).toHaveLength(100);
    expect(ten.payload.contexts!.flags!.values.at(-1)).toEqual({ flag: 'flag-9999', result: false });
    expect(ten.payload.errors!.map((e) => e.reason).join()).toContain('10000 flag evaluations: kept the last 100');
    const counted = await s.pool.query<{ n: number }>(
      `SELECT count(DISTINCT flag)::int AS n FROM issue_flag_values WHERE issue_id = $1`,
      [ten.issue_id],
    );
    expect(counted.rows[0]!.n).toBe(100);

    const huge = by('huge flag name');
    expect(huge.payload.contexts!.flags!.values).toEqual([{ flag: 'ok-flag', result: false }]);
    const hugeCounted = await s.pool.query<{ flag: string }>(`SELECT flag FROM issue_flag_values WHERE issue_id = $1`, [
      huge.issue_id,
    ]);
    expect(hugeCounted.rows).toEqual([{ flag: 'ok-flag' }]);

    // The issue endpoints answer for these issues too.
    for (const r of [ten, huge, by('flags is a string')]) {
      const res = await call(s.url, `/api/0/organizations/${org()}/issues/${r.issue_id}/suspect/flags/`, {
        token: owner.token,
      });
      expect(res.status).toBe(200);
    }
  });
});

describe('flag evaluations are scrubbed like any value before they are stored or counted', () => {
  it('a card number as a flag result and a token in a flag name never reach storage or the counters', async () => {
    const token = `sk_live_${'a1B2'.repeat(6)}`;
    await sendEvents([
      errorEvent('ScrubbedFlags', new Date(), { 'promo-card': '4111 1111 1111 1111', [`key-${token}`]: true }),
    ]);
    const { rows } = await s.pool.query<StoredPayload & { issue_id: string }>(
      `SELECT e.issue_id::text, ${PAYLOAD_COLUMNS} FROM events e JOIN issues i ON i.id = e.issue_id
        WHERE e.project_id = $1 AND i.title LIKE '%ScrubbedFlags%'`,
      [s.project.projectId],
    );
    const [stored] = withPayloads<
      { contexts?: { flags?: { values: Array<{ flag: string; result: unknown }> } } },
      StoredPayload & { issue_id: string }
    >(rows);
    expect(stored!.payload.contexts!.flags!.values).toEqual([
      { flag: 'promo-card', result: '[Filtered]' },
      { flag: 'key-[Filtered]', result: true },
    ]);
    const counted = await s.pool.query<{ flag: string; result: string }>(
      `SELECT flag, result FROM issue_flag_values WHERE issue_id = $1 ORDER BY flag`,
      [stored!.issue_id],
    );
    expect(counted.rows).toEqual([
      { flag: 'key-[Filtered]', result: 'true' },
      { flag: 'promo-card', result: '[Filtered]' },
    ]);
    const everywhere = await s.pool.query(
      `SELECT 1 FROM project_flag_hours WHERE flag LIKE '%sk_live%' OR result LIKE '%4111%'
       UNION ALL SELECT 1 FROM project_flag_minutes WHERE flag LIKE '%sk_live%' OR result LIKE '%4111%'`,
    );
    expect(everywhere.rows).toEqual([]);
  });
});

describe('flag-change verdict and alert conditions', () => {
  it("turns failing when errors rise only for the flag's true side, and fires flag_change_failing once", async () => {
    const rule = await call(s.url, `/api/0/projects/${org()}/${s.project.slug}/alert-rules/`, {
      method: 'POST',
      token: owner.token,
      body: {
        name: 'flag turned failing',
        conditions: [{ type: 'flag_change_failing' }],
        actions: [{ type: 'email', to: ['ops@example.com'] }],
      },
    });
    expect(rule.status).toBe(201);

    const at = new Date(Math.floor((Date.now() - 20 * 60_000) / 60_000) * 60_000); // on a minute boundary
    const spread = (from: number, minutes: number, n: number) =>
      Array.from({ length: n }, (_, i) => new Date(from + ((i + 0.5) * minutes * 60_000) / n));
    const before = at.getTime() - 20 * 60_000;
    await sendEvents([
      ...spread(before, 20, 20).map((t) => errorEvent('PaymentError', t, { 'pay-v3': true })),
      ...spread(before, 20, 20).map((t) => errorEvent('PaymentError', t, { 'pay-v3': false })),
      ...spread(at.getTime(), 19, 80).map((t) => errorEvent('PaymentError', t, { 'pay-v3': true })),
      ...spread(at.getTime(), 19, 20).map((t) => errorEvent('PaymentError', t, { 'pay-v3': false })),
    ]);
    const body = JSON.stringify({ data: [change('pay-v3', at)], meta: { version: 1 } });
    const hook = await postHook(body, signBody(SECRET, body));
    expect(hook.status).toBe(200);
    const id = hook.body.data[0].id as string;

    const health = await call(s.url, `/api/0/organizations/${org()}/flags/logs/${id}/health/`, { token: owner.token });
    expect(health.status).toBe(200);
    expect(health.body.verdict).toBe('failing');
    expect(health.body.confidence).toBe('normal');
    const side = (r: string) => health.body.sides.find((x: { result: string }) => x.result === r);
    expect(side('true').ratio).toBeGreaterThan(3);
    expect(side('false').ratio).toBeLessThan(1.5);
    expect(health.body.reasons[0].message).toMatch(
      /errors with pay-v3=true: ×[\d.]+ after the change; with false: unchanged; with true: ×/,
    );

    await evaluateObservedFlagChanges(s.deps);
    await evaluateObservedFlagChanges(s.deps); // once per change
    const fired = await s.pool.query<{ message: string; deploy_id: string }>(
      `SELECT message, deploy_id FROM alert_history WHERE rule_id = $1 AND kind = 'fired'`,
      [rule.body.id],
    );
    expect(fired.rows).toHaveLength(1);
    expect(fired.rows[0]!.deploy_id).toBe(`flag-change-${id}`);
    expect(fired.rows[0]!.message).toContain('pay-v3');
  });

  it('stays healthy when errors rise on both sides alike (a spike, not the flag)', async () => {
    const at = new Date(Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000);
    const spread = (from: number, minutes: number, n: number) =>
      Array.from({ length: n }, (_, i) => new Date(from + ((i + 0.5) * minutes * 60_000) / n));
    await sendEvents([
      ...spread(at.getTime() - 5 * 60_000, 5, 10).map((t) => errorEvent('QuotaError', t, { 'cache-v2': true })),
      ...spread(at.getTime() - 5 * 60_000, 5, 10).map((t) => errorEvent('QuotaError', t, { 'cache-v2': false })),
      ...spread(at.getTime(), 5, 60).map((t) => errorEvent('QuotaError', t, { 'cache-v2': true })),
      ...spread(at.getTime(), 5, 60).map((t) => errorEvent('QuotaError', t, { 'cache-v2': false })),
    ]);
    const body = JSON.stringify({ data: [change('cache-v2', at)], meta: { version: 1 } });
    const id = (await postHook(body, signBody(SECRET, body))).body.data[0].id as string;
    const health = await call(s.url, `/api/0/organizations/${org()}/flags/logs/${id}/health/`, { token: owner.token });
    expect(health.body.reasons.map((r: { code: string }) => r.code)).toContain('spike-all-sides');
    expect(health.body.verdict).toBe('healthy');
  });

  it('new_issue_after_flag_change fires for a new issue within the window, naming the flag', async () => {
    const rule = await call(s.url, `/api/0/projects/${org()}/${s.project.slug}/alert-rules/`, {
      method: 'POST',
      token: owner.token,
      body: {
        name: 'new after flag',
        conditions: [{ type: 'new_issue_after_flag_change', minutes: 10 }],
        actions: [{ type: 'email', to: ['ops@example.com'] }],
      },
    });
    expect(rule.status).toBe(201);
    const body = JSON.stringify({ data: [change('checkout-v4', new Date(Date.now() - 60_000))], meta: { version: 1 } });
    expect((await postHook(body, signBody(SECRET, body))).status).toBe(200);
    await sendEvents([errorEvent('BrandNewFailure', new Date(), { 'checkout-v4': true })]);
    const fired = await waitFor(
      async () =>
        (
          await s.pool.query<{ message: string }>(
            `SELECT message FROM alert_history WHERE rule_id = $1 AND kind = 'fired'`,
            [rule.body.id],
          )
        ).rows[0],
      { message: 'the new-issue-after-flag-change firing', timeout: 15_000 },
    );
    expect(fired.message).toContain('flag checkout-v4 was updated');
  });
});
