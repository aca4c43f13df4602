// Issue 12, the attacker's reproductions, against a real all-in-one Faultline running as its own
// process (so a crash shows as an exit, not as a failed assertion): each hostile input gets its
// 4xx or outcome, the process stays up, and a valid event sent right after is stored.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { createProject, type CreatedProject } from '../helpers/factories.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { createMember, type Member } from '../helpers/api-factories.js';
import { spawnFaultline, type FaultlineProcess } from '../helpers/reliability-harness.js';

/** A UDP port nobody uses right now (the OS picks it). */
async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const port = sock.address().port;
  await new Promise<void>((resolve) => sock.close(resolve));
  return port;
}

describe('issue 12: hostile input against a running server', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let prefix: string;
  let app: FaultlineProcess;
  let project: CreatedProject;
  let member: Member;
  let udpPort: number;
  let sock: Socket;

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    udpPort = await freeUdpPort();
    app = await spawnFaultline({
      ROLE: 'all',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      UDP_ENABLED: 'true',
      UDP_PORT: String(udpPort),
      RUN_MIGRATIONS: 'false',
      LOG_LEVEL: 'warn',
    });
    project = await createProject(db.pool, { baseUrl: app.url });
    member = await createMember(db.pool, { orgId: project.orgId, role: 'owner' });
    sock = createSocket('udp4');
  }, 90_000);
  afterAll(async () => {
    sock?.close();
    await app?.stop();
    if (prefix) await cleanRedisPrefix(prefix).catch(() => {});
    await db?.drop();
  });

  const alive = async () => {
    expect(app.logs.filter((l) => l.level === 60)).toEqual([]); // nothing fatal
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
  };
  const sendUdp = (datagram: string | Buffer) =>
    new Promise<void>((resolve, reject) =>
      sock.send(datagram, udpPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  const envelope = (headers: Record<string, unknown>, event: Record<string, unknown>) =>
    `${JSON.stringify(headers)}\n{"type":"event"}\n${JSON.stringify(event)}`;
  const postEnvelope = (body: string, path = `/api/${project.projectId}/envelope/`) =>
    fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-sentry-envelope' }, body });
  const stored = async (eventId: string) =>
    (await db.pool.query('SELECT 1 FROM events WHERE project_id = $1 AND event_id = $2', [project.projectId, eventId]))
      .rowCount === 1;
  /** A valid event right after: accepted over HTTP and stored by the worker. */
  const validEventIsStored = async () => {
    const id = randomBytes(16).toString('hex');
    const res = await postEnvelope(
      envelope({ event_id: id, dsn: project.dsn }, { message: 'a valid event after the attack', platform: 'node' }),
    );
    expect(res.status).toBe(200);
    await waitFor(() => stored(id), { timeout: 20_000, message: 'the valid event stored' });
  };

  it('1. a datagram whose header dsn has a bad percent-escape is dropped and the process stays up', async () => {
    const bad = envelope({ dsn: `http://%ea@127.0.0.1:${udpPort}/1` }, { message: 'x' });
    for (let i = 0; i < 5; i++) await sendUdp(bad);
    await sendUdp(envelope({ dsn: `udp://%E0%A4%A@127.0.0.1/${project.projectId}` }, { message: 'x' }));
    // The datagram after them is processed, so they were too.
    const id = randomBytes(16).toString('hex');
    const dsn = `udp://${project.publicKey}@127.0.0.1:${udpPort}/${project.projectId}`;
    await sendUdp(envelope({ event_id: id, dsn }, { message: 'valid datagram after a bad one', platform: 'node' }));
    await waitFor(() => stored(id), { timeout: 20_000, message: 'the valid datagram stored' });
    await alive();

    // Over HTTP the same header is a 401 naming the dsn, not a 500.
    const res = await postEnvelope(bad, '/api/1/envelope/');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      detail: 'bad envelope authentication header',
      causes: ['invalid dsn: malformed percent-escape in the username'],
    });
    await validEventIsStored();
    await alive();
  }, 60_000);

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${app.url}/api/0${path}`, {
      ...init,
      headers: { authorization: `Bearer ${member.token}`, 'content-type': 'application/json', ...init.headers },
    });
  const issues = (query: string) => api(`/projects/${project.orgSlug}/${project.slug}/issues/?${query}`);

  it('2. a 64 KB exception value of digits does not stall the process', async () => {
    const id = randomBytes(16).toString('hex');
    const res = await postEnvelope(
      envelope(
        { event_id: id, dsn: project.dsn },
        { exception: { values: [{ type: 'Error', value: '9'.repeat(65_536) }] } },
      ),
    );
    expect(res.status).toBe(200);
    await waitFor(() => stored(id), { timeout: 20_000, message: 'the long event stored' });
    const started = Date.now();
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    await validEventIsStored();
    await alive();
  }, 60_000);

  it('3. a search with hundreds of tag terms is refused at once; the allowed maximum is cheap', async () => {
    const many = Array.from({ length: 800 }, (_, i) => `k${i}:v`).join(' ');
    const started = Date.now();
    const res = await issues(`query=${encodeURIComponent(many)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'invalid-search',
      message: expect.stringContaining('longer than 4096 characters'),
    });
    const two = await issues(`query=${encodeURIComponent(many.split(' ').slice(0, 200).join(' '))}`);
    expect(two.status).toBe(400);
    expect(((await two.json()) as { error: { message: string } }).error.message).toContain(
      'too many search terms (200): at most 32',
    );
    const most = Array.from({ length: 32 }, (_, i) => `k${i}:v`).join(' ');
    const ok = await issues(`query=${encodeURIComponent(most)}`);
    expect(ok.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    await alive();
  }, 60_000);

  it('4. rotating X-Forwarded-For does not escape the login limit (TRUST_PROXY off)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${app.url}/api/0/auth/login/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i}` },
        body: JSON.stringify({ email: member.email, password: 'wrong' }),
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((st) => st === 401)).toBe(true);
    expect(statuses.slice(10).every((st) => st === 429)).toBe(true);
    await alive();
  }, 60_000);

  it('5. objects with toString/valueOf where strings belong: accepted, stored with _meta errors', async () => {
    const evil = { toString: 1, valueOf: 1 };
    const id = randomBytes(16).toString('hex');
    const event = {
      message: 'hostile values',
      platform: 'python',
      request: { url: 'http://x/', headers: { 'X-Evil': evil }, query_string: { q: evil } },
      modules: { evil },
      logentry: { message: 'v=%s', params: [evil] },
      exception: {
        values: [
          { type: 'E', value: 'v', mechanism: { type: 'generic', meta: { ns_error: { domain: evil, code: evil } } } },
        ],
      },
    };
    expect((await postEnvelope(envelope({ event_id: id, dsn: project.dsn }, event))).status).toBe(200);
    await waitFor(() => stored(id), { timeout: 20_000, message: 'the hostile event stored' });
    const issueId = (await db.pool.query<{ issue_id: string }>('SELECT issue_id FROM events WHERE event_id = $1', [id]))
      .rows[0]!.issue_id;
    const res = await api(`/projects/${project.orgSlug}/${project.slug}/events/${id}/`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { _meta: Record<string, unknown> };
    expect(JSON.stringify(body._meta)).toContain('expected a string');
    expect(issueId).toBeTruthy();
    await validEventIsStored();
  }, 60_000);

  it('6. malformed parameters answer 400 naming the parameter, never 500', async () => {
    const issueList = `/projects/${project.orgSlug}/${project.slug}/issues/`;
    const cases: Array<[string, string]> = [
      [`${issueList}?sort=__proto__`, 'invalid-sort'],
      [`${issueList}?sort=constructor`, 'invalid-sort'],
      [`${issueList}?cursor=12345678901234567890:1:0`, 'invalid-cursor'],
      [`${issueList}?statsPeriod=999999w`, 'invalid-stats-period'],
      [`${issueList}?query=a%00b`, 'invalid-parameter'],
      [`/organizations/${project.orgSlug}/issues/?statsPeriod=999999w`, 'invalid-stats-period'],
      [`${issueList}?limit=1e400`, 'invalid-limit'],
    ];
    for (const [path, code] of cases) {
      const res = await api(path);
      expect([path, res.status]).toEqual([path, 400]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    const id = randomBytes(16).toString('hex');
    await postEnvelope(envelope({ event_id: id, dsn: project.dsn }, { message: 'for the events cursor' }));
    await waitFor(() => stored(id), { timeout: 20_000 });
    const issueId = (await db.pool.query<{ issue_id: string }>('SELECT issue_id FROM events WHERE event_id = $1', [id]))
      .rows[0]!.issue_id;
    const events = await api(`/issues/${issueId}/events/?cursor=1:1:0`);
    expect(events.status).toBe(400);
    expect(((await events.json()) as { error: { code: string } }).error.code).toBe('invalid-cursor');
    const beyond = await api('/issues/99999999999999999999/');
    expect(beyond.status).toBeGreaterThanOrEqual(400);
    expect(beyond.status).toBeLessThan(500);
    await alive();
  }, 60_000);

  it('7. one envelope of 10,000 counter items is refused with outcomes, not turned into 9,999 jobs', async () => {
    const item = `{"type":"faultline_counter"}\n${JSON.stringify({ requests: 1, interval: 10, timestamp: Date.now() / 1000 })}`;
    const body = `${JSON.stringify({ dsn: project.dsn })}\n${Array.from({ length: 10_000 }, () => item).join('\n')}`;
    const waitingBefore = await queueCount();
    const res = await postEnvelope(body);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { detail: string }).detail).toContain("'items'");
    expect(await queueCount()).toBe(waitingBefore);
    await validEventIsStored();
    await alive();
  }, 60_000);

  async function queueCount(): Promise<number> {
    const { Redis } = await import('ioredis');
    const r = new Redis(TEST_REDIS_URL);
    try {
      const keys = await r.keys(`${prefix}*wait*`);
      let n = 0;
      for (const k of keys) if ((await r.type(k)) === 'list') n += await r.llen(k);
      return n;
    } finally {
      r.disconnect();
    }
  }
});
