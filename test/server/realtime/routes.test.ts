import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createProject, type CreatedProject } from '../../helpers/factories.js';
import { createMember, type Member } from '../../helpers/api-factories.js';
import { publishToStream, streamKey } from '../../../server/src/realtime/hub.js';
import { publishDeploy } from '../../../server/src/realtime/publish.js';
import type { DeployCreateMessage, EventCreateMessage } from '../../../server/src/realtime/messages.js';
import { openSse, type SseConnection } from '../../helpers/sse-client.js';

function event(eventId: string, over: Partial<EventCreateMessage> = {}): EventCreateMessage {
  const t = new Date().toISOString();
  return {
    type: 'EventCreate',
    eventId,
    project: { id: '1', slug: 'web' },
    issue: { id: '7', shortId: 'WEB-7', title: 'Error: boom', culprit: 'app.js', isNew: false, isRegression: false },
    level: 'error',
    release: '1.0',
    environment: 'production',
    serverName: 'web-1',
    timestamp: t,
    receivedAt: t,
    publishedAt: t,
    ...over,
  };
}

describe('GET /api/0/organizations/{org}/stream/', () => {
  let server: TestServer;
  let member: Member;
  let outsider: Member;
  let other: CreatedProject;
  const open: SseConnection[] = [];

  beforeAll(async () => {
    server = await startTestServer({ ROLE: 'api' });
    other = await createProject(server.pool, { baseUrl: server.url });
    member = await createMember(server.pool, { orgId: server.project.orgId });
    outsider = await createMember(server.pool, { orgId: other.orgId });
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await server?.stop();
  });

  // Live behaviour without the opening backfill (tested on its own below).
  const url = (q = '') =>
    `${server.url}/api/0/organizations/${server.project.orgSlug}/stream/${q === '' ? '?backfill=0' : q.includes('backfill') ? q : `${q}&backfill=0`}`;
  const connect = async (q = '', headers: Record<string, string> = {}, token = member.token) => {
    const c = await openSse(url(q), { authorization: `Bearer ${token}`, ...headers });
    open.push(c);
    return c;
  };
  const publish = (messages: EventCreateMessage[]) =>
    publishToStream(
      server.deps.redis,
      { prefix: server.redisPrefix, bufferSize: 1000 },
      server.project.orgId,
      messages,
    );

  it('streams published events with their stream ids after a hello frame', async () => {
    const c = await connect();
    expect(c.status).toBe(200);
    const [hello] = await c.waitForFrames(1, 'StreamHello');
    expect(JSON.parse(hello!.data)).toMatchObject({ type: 'StreamHello', resumed: false, gap: false });
    await publish([event('a'), event('b')]);
    const frames = await c.waitForFrames(2, 'EventCreate');
    expect(frames.map((f) => JSON.parse(f.data).eventId)).toEqual(['a', 'b']);
    expect(frames.every((f) => /^\d+-\d+$/.test(f.id ?? ''))).toBe(true);
    c.close();
  });

  it('resumes after Last-Event-ID without gaps or repeats', async () => {
    const c = await connect();
    await c.waitForFrames(1, 'StreamHello');
    await publish([event('r1')]);
    const [first] = await c.waitForFrames(1, 'EventCreate');
    c.close();
    await publish([event('r2'), event('r3')]); // sent while disconnected
    const again = await connect('', { 'last-event-id': first!.id! });
    const [hello] = await again.waitForFrames(1, 'StreamHello');
    expect(JSON.parse(hello!.data)).toMatchObject({ resumed: true, gap: false });
    await publish([event('r4')]);
    const frames = await again.waitForFrames(3, 'EventCreate');
    expect(frames.map((f) => JSON.parse(f.data).eventId)).toEqual(['r2', 'r3', 'r4']);
    again.close();
  });

  it('applies project, environment, release and level filters', async () => {
    const c = await connect('?level=fatal&environment=production');
    await c.waitForFrames(1, 'StreamHello');
    await publish([
      event('f1', { level: 'error' }),
      event('f2', { level: 'fatal', environment: 'staging' }),
      event('f3', { level: 'fatal' }),
    ]);
    const frames = await c.waitForFrames(1, 'EventCreate');
    expect(frames.map((f) => JSON.parse(f.data).eventId)).toEqual(['f3']);
    c.close();
  });

  it('carries deploy markers', async () => {
    const c = await connect();
    await c.waitForFrames(1, 'StreamHello');
    await publishDeploy({ redis: server.deps.redis, config: server.deps.config }, server.project.orgId, {
      id: '5',
      release: '2.0',
      environment: 'production',
      dateFinished: new Date(),
      projects: ['web'],
    });
    const [d] = await c.waitForFrames(1, 'DeployCreate');
    expect(JSON.parse(d!.data).deploy).toMatchObject({ id: '5', release: '2.0', environment: 'production' });
    c.close();
  });

  it("answers 404 for another organization's stream and 401 without credentials", async () => {
    const denied = await openSse(url(), { authorization: `Bearer ${outsider.token}` });
    open.push(denied);
    expect(denied.status).toBe(404);
    const anon = await openSse(url(), {});
    open.push(anon);
    expect(anon.status).toBe(401);
    const bad = await connect('', { 'last-event-id': 'nope' });
    expect(bad.status).toBe(400);
  });

  it("opens with the buffer's newest events and deploy markers marked earlier, then continues live without repeats", async () => {
    const org = await createProject(server.pool, { baseUrl: server.url });
    const owner = await createMember(server.pool, { orgId: org.orgId });
    const push = (messages: Parameters<typeof publishToStream>[3]) =>
      publishToStream(server.deps.redis, { prefix: server.redisPrefix, bufferSize: 1000 }, org.orgId, messages);
    const old = new Date(Date.now() - 20 * 60_000).toISOString();
    await push(Array.from({ length: 120 }, (_, i) => event(`b${i}`)));
    await publishDeploy({ redis: server.deps.redis, config: server.deps.config }, org.orgId, {
      id: '9',
      release: '3.0',
      environment: 'production',
      dateFinished: new Date(),
      projects: ['web'],
    });
    await push([event('after-deploy', { receivedAt: old })]);
    const c = await openSse(`${server.url}/api/0/organizations/${org.orgSlug}/stream/`, {
      authorization: `Bearer ${owner.token}`,
    });
    open.push(c);
    const [hello] = await c.waitForFrames(1, 'StreamHello');
    expect(JSON.parse(hello!.data)).toMatchObject({ resumed: false, backfill: 101 });
    const earlier = await c.waitForFrames(100, 'EventCreate');
    const deploys = await c.waitForFrames(1, 'DeployCreate');
    expect(earlier.map((f) => JSON.parse(f.data).eventId)).toEqual([
      ...Array.from({ length: 99 }, (_, i) => `b${i + 21}`),
      'after-deploy',
    ]);
    expect(earlier.every((f) => JSON.parse(f.data).earlier === true)).toBe(true);
    expect(JSON.parse(deploys[0]!.data)).toMatchObject({ earlier: true, deploy: { id: '9' } });
    await push([event('live-1')]);
    const all = await c.waitForFrames(101, 'EventCreate');
    expect(JSON.parse(all[100]!.data)).toMatchObject({ eventId: 'live-1' });
    expect(JSON.parse(all[100]!.data).earlier).toBeUndefined();
    expect(new Set(all.map((f) => f.id)).size).toBe(101);
    c.close();
  });

  it('leaves out buffered entries older than 15 minutes from the opening backfill', async () => {
    const org = await createProject(server.pool, { baseUrl: server.url });
    const owner = await createMember(server.pool, { orgId: org.orgId });
    const key = streamKey(server.redisPrefix, org.orgId);
    // Entries appended 20 minutes ago (stream ids carry the time they were added).
    const old = Date.now() - 20 * 60_000;
    await server.deps.redis.xadd(key, `${old}-0`, 'm', JSON.stringify(event('stale')));
    const staleDeploy: DeployCreateMessage = {
      type: 'DeployCreate',
      deploy: {
        id: '4',
        release: '2.0',
        environment: 'production',
        name: null,
        url: null,
        dateStarted: null,
        dateFinished: new Date(old).toISOString(),
        projects: ['web'],
      },
      publishedAt: new Date(old).toISOString(),
    };
    await server.deps.redis.xadd(key, `${old}-1`, 'm', JSON.stringify(staleDeploy));
    await publishToStream(server.deps.redis, { prefix: server.redisPrefix, bufferSize: 1000 }, org.orgId, [
      event('fresh'),
    ]);
    const c = await openSse(`${server.url}/api/0/organizations/${org.orgSlug}/stream/`, {
      authorization: `Bearer ${owner.token}`,
    });
    open.push(c);
    const [hello] = await c.waitForFrames(1, 'StreamHello');
    expect(JSON.parse(hello!.data)).toMatchObject({ resumed: false, backfill: 1 });
    await publishToStream(server.deps.redis, { prefix: server.redisPrefix, bufferSize: 1000 }, org.orgId, [
      event('live-1'),
    ]);
    const events = await c.waitForFrames(2, 'EventCreate');
    expect(events.map((f) => [JSON.parse(f.data).eventId, JSON.parse(f.data).earlier ?? false])).toEqual([
      ['fresh', true],
      ['live-1', false],
    ]);
    expect(c.frames.filter((f) => f.event === 'DeployCreate')).toEqual([]);
    c.close();
  });
});
