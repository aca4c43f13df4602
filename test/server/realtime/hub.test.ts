import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createHub, parsePublished, publishToStream, type StreamEntry } from '../../../server/src/realtime/hub.js';
import type { EventCreateMessage } from '../../../server/src/realtime/messages.js';
import { cleanRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

function msg(eventId: string): EventCreateMessage {
  const t = new Date().toISOString();
  return {
    type: 'EventCreate',
    eventId,
    project: { id: '1', slug: 'web' },
    issue: { id: '7', shortId: 'WEB-7', title: 'Error: boom', culprit: 'app.js', isNew: false, isRegression: false },
    level: 'error',
    release: null,
    environment: null,
    serverName: null,
    timestamp: t,
    receivedAt: t,
    publishedAt: t,
  };
}

describe('realtime hub', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(bufferSize = 1000) {
    const prefix = testRedisPrefix();
    const redis = new Redis(TEST_REDIS_URL);
    const hub = createHub(redis, new Redis(TEST_REDIS_URL), prefix);
    cleanups.push(async () => {
      await hub.close();
      redis.disconnect();
      await cleanRedisPrefix(prefix);
    });
    return {
      prefix,
      redis,
      hub,
      publish: (org: string, ids: string[]) => publishToStream(redis, { prefix, bufferSize }, org, ids.map(msg)),
    };
  }

  it('delivers published messages to subscribers of that organization only', async () => {
    const { hub, publish } = await setup();
    const got: StreamEntry[] = [];
    const other: StreamEntry[] = [];
    await hub.subscribe('1', (e) => got.push(...e));
    await hub.subscribe('2', (e) => other.push(...e));
    await publish('1', ['a', 'b']);
    await waitFor(() => got.length === 2);
    expect(got.map((e) => (e.message as EventCreateMessage).eventId)).toEqual(['a', 'b']);
    expect(other).toEqual([]);
  });

  it('replays entries after an id, in order, without a gap', async () => {
    const { hub, publish } = await setup();
    const seen: StreamEntry[] = [];
    const off = await hub.subscribe('1', (e) => seen.push(...e));
    await publish('1', ['a', 'b', 'c']);
    await waitFor(() => seen.length === 3);
    off();
    const replay = await hub.replay('1', seen[0]!.id);
    expect(replay.gap).toBe(false);
    expect(replay.entries.map((e) => e.id)).toEqual([seen[1]!.id, seen[2]!.id]);
  });

  it('reports a gap when the buffer dropped entries after the resume point', async () => {
    const { hub, redis, prefix, publish } = await setup(100);
    const first: StreamEntry[] = [];
    const off = await hub.subscribe('1', (e) => first.push(...e));
    await publish('1', ['x']);
    await waitFor(() => first.length === 1);
    off();
    // Exact trimming (MAXLEN without ~) to make the gap certain for the test.
    for (let i = 0; i < 3; i++)
      await publish(
        '1',
        Array.from({ length: 100 }, (_, j) => `m${i}-${j}`),
      );
    await redis.xtrim(`${prefix}:live:1`, 'MAXLEN', 50);
    const replay = await hub.replay('1', first[0]!.id);
    expect(replay.gap).toBe(true);
    expect(replay.entries.length).toBe(50);
  });

  it('parses only well-formed published lines', () => {
    expect(parsePublished(`1-0 ${JSON.stringify(msg('a'))}\nnot json\n2-0 {bad`)).toHaveLength(1);
  });
});
