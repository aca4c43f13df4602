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
import { createMember, type Member } from '../server/api/factories.js';
import { spawnFaultline, type FaultlineProcess } from '../reliability/harness.js';

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
    new Promise<void>((resolve, reject) => sock.send(datagram, udpPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  const envelope = (headers: Record<string, unknown>, event: Record<string, unknown>) =>
    `${JSON.stringify(headers)}\n{"type":"event"}\n${JSON.stringify(event)}`;
  const postEnvelope = (body: string, path = `/api/${project.projectId}/envelope/`) =>
    fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-sentry-envelope' }, body });
  const stored = async (eventId: string) =>
    (await db.pool.query('SELECT 1 FROM events WHERE project_id = $1 AND event_id = $2', [project.projectId, eventId])).rowCount === 1;
  /** A valid event right after: accepted over HTTP and stored by the worker. */
  const validEventIsStored = async () => {
    const id = randomBytes(16).toString('hex');
    const res = await postEnvelope(envelope({ event_id: id, dsn: project.dsn }, { message: 'a valid event after the attack', platform: 'node' }));
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
    expect(await res.json()).toEqual({ detail: 'bad envelope authentication header', causes: ['invalid dsn: malformed percent-escape in the username'] });
    await validEventIsStored();
    await alive();
  }, 60_000);
});
