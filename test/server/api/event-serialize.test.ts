import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { contextLines, eventTags, serializeEvent } from '../../../server/src/events/serialize.js';
import type { EventRow } from '../../../server/src/events/read-queries.js';

const CAPTURES = path.resolve(import.meta.dirname, '../../fixtures/sdk-captures');

/** The event JSON a recorded SDK request carried (envelope event item or store body). */
function fixtureEvent(file: string): Record<string, unknown> {
  const capture = JSON.parse(readFileSync(path.join(CAPTURES, file), 'utf8')) as {
    headers: Record<string, string>;
    body_base64: string;
    url: string;
  };
  let raw = Buffer.from(capture.body_base64, 'base64');
  if (capture.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
  const text = raw.toString('utf8');
  return JSON.parse(capture.url.includes('/store/') ? text : text.split('\n')[2]!) as Record<string, unknown>;
}

function row(payload: Record<string, unknown>, over: Partial<EventRow> = {}): EventRow {
  return {
    eventId: '0123456789abcdef0123456789abcdef',
    projectId: '7',
    issueId: '12',
    timestamp: new Date('2026-11-24T10:00:00.123Z'),
    receivedAt: new Date('2026-11-24T10:00:01Z'),
    level: 'error',
    release: 'shop@1.4.2',
    environment: 'production',
    serverName: 'web-1',
    title: 'DbError: relation "orders_1999" does not exist',
    payload,
    sortKey: '1795658400123000',
    ...over,
  };
}

const ctx = { hashes: ['h1'], release: null, previousEventID: null, nextEventID: 'fedcba9876543210fedcba9876543210' };

describe('serializeEvent', () => {
  it('turns a Node SDK event into Sentry entries with camelCase frames and context lines', () => {
    const payload = {
      ...fixtureEvent('node-sdk-11.12/04-event-dberror-charge.json'),
      logentry: { message: 'charge failed for %s', params: ['1999'], formatted: 'charge failed for 1999' },
      request: {
        method: 'POST',
        url: 'https://shop.test/charge',
        query_string: 'a=1&b=two%20words',
        headers: { 'content-type': 'application/json', 'x-request-id': 'r1' },
        cookies: 'sid=abc; theme=dark',
        data: { amount: 1999 },
      },
    };
    const e = serializeEvent(row(payload), ctx);

    expect(e).toMatchObject({
      id: '0123456789abcdef0123456789abcdef',
      eventID: '0123456789abcdef0123456789abcdef',
      groupID: '12',
      projectID: '7',
      platform: 'node',
      type: 'error',
    });
    expect(e.dateCreated).toBe('2026-11-24T10:00:00.123Z');
    expect(e.dateReceived).toBe('2026-11-24T10:00:01.000Z');
    expect(e.entries.map((x) => x.type)).toEqual(['exception', 'message', 'breadcrumbs', 'request']);

    const exception = e.entries[0]!.data as { values: Array<Record<string, any>>; hasSystemFrames: boolean };
    expect(exception.hasSystemFrames).toBe(true);
    const raised = exception.values.at(-1)!;
    expect(raised).toMatchObject({ type: 'DbError', value: 'relation "orders_1999" does not exist' });
    const frames = raised.stacktrace.frames as Array<Record<string, unknown>>;
    const server = frames.find((f) => f.filename === '/srv/shop/server.js')!;
    expect(server).toMatchObject({ function: '?', module: 'server', lineNo: 9, colNo: 7, inApp: true, absPath: null });
    expect(server.context).toContainEqual([9, 'try { chargeCard(1999); } catch (e) { Sentry.captureException(e); }']);
    expect((server.context as Array<[number, string]>)[0]![0]).toBe(4);
    expect(frames[0]).toMatchObject({ inApp: false, filename: 'node:internal/modules/run_main' });

    expect(e.entries[1]!.data).toEqual({
      formatted: 'charge failed for 1999',
      message: 'charge failed for %s',
      params: ['1999'],
    });
    expect(e.message).toBe('charge failed for 1999');
    const crumbs = (e.entries[2]!.data as { values: Array<Record<string, unknown>> }).values;
    expect(crumbs[0]).toMatchObject({
      category: 'http',
      message: 'GET /cart',
      level: 'info',
      type: 'default',
      timestamp: new Date(1795658359027).toISOString(),
    });
    expect(e.entries[3]!.data).toMatchObject({
      method: 'POST',
      url: 'https://shop.test/charge',
      query: [
        ['a', '1'],
        ['b', 'two words'],
      ],
      cookies: [
        ['sid', 'abc'],
        ['theme', 'dark'],
      ],
      headers: [
        ['Content-Type', 'application/json'],
        ['X-Request-Id', 'r1'],
      ],
      inferredContentType: 'application/json',
      data: { amount: 1999 },
    });

    expect(e.tags).toEqual(
      expect.arrayContaining([
        { key: 'region', value: 'eu-west' },
        { key: 'level', value: 'error' },
        { key: 'environment', value: 'production' },
        { key: 'release', value: 'shop@1.4.2' },
        { key: 'user', value: 'id:42' },
        { key: 'url', value: 'https://shop.test/charge' },
        { key: 'server_name', value: 'web-1' },
      ]),
    );
    expect(e.tags.map((t) => t.key)).toEqual([...e.tags.map((t) => t.key)].sort());
    expect(e.user).toEqual({ id: '42', email: 'buyer@example.com' });
    expect(e.sdk).toEqual({ name: 'sentry.javascript.node', version: '11.12.0' });
    expect(e.contexts).toHaveProperty('runtime');
    expect(e.fingerprints).toEqual(['h1']);
    expect(e.metadata).toEqual({ type: 'DbError', value: 'relation "orders_1999" does not exist' });
    expect(e.nextEventID).toBe('fedcba9876543210fedcba9876543210');
    expect(e.packages).toEqual((payload as Record<string, unknown>).modules ?? {});
  });

  it('reads a Python SDK event (breadcrumbs as {values}, frame vars, ISO timestamps)', () => {
    const payload = fixtureEvent('python-sdk-1.9.10/01-store-zerodivision-gzip.json');
    const e = serializeEvent(row(payload, { title: 'ZeroDivisionError: division by zero' }), ctx);
    expect(e.platform).toBe('python');
    const exception = e.entries.find((x) => x.type === 'exception')!.data as { values: Array<Record<string, any>> };
    const last = exception.values.at(-1)!;
    expect(last.type).toBe('ZeroDivisionError');
    expect(last.value).toBe('division by zero');
    const frames = last.stacktrace.frames as Array<Record<string, unknown>>;
    expect(frames.some((f) => f.vars !== null && typeof f.vars === 'object')).toBe(true);
    expect(frames.some((f) => typeof f.absPath === 'string')).toBe(true);
    const crumbs = e.entries.find((x) => x.type === 'breadcrumbs');
    if (crumbs)
      for (const c of (crumbs.data as { values: Array<{ timestamp: string | null }> }).values)
        expect(c.timestamp).toMatch(/Z$/);
  });

  it('uses the stored hashes and tag pairs of a normalized payload', () => {
    const e = serializeEvent(
      row(
        {
          platform: 'other',
          tags: [
            ['host', 'web-3'],
            ['level', 'info'],
          ],
          hashes: ['a', 'b'],
          logentry: { formatted: 'Deploy failed' },
        },
        { level: 'info' },
      ),
      ctx,
    );
    expect(e.fingerprints).toEqual(['a', 'b']);
    expect(e.type).toBe('default');
    expect(e.tags).toContainEqual({ key: 'host', value: 'web-3' });
    expect(e.tags.filter((t) => t.key === 'level')).toEqual([{ key: 'level', value: 'info' }]);
    expect(e.entries).toEqual([{ type: 'message', data: { formatted: 'Deploy failed', message: null, params: null } }]);
    expect(e.metadata).toEqual({ title: 'Deploy failed' });
  });
});

describe('contextLines', () => {
  it.each([
    [
      { lineno: 10, context_line: 'c', pre_context: ['a', 'b'], post_context: ['d'] },
      [
        [8, 'a'],
        [9, 'b'],
        [10, 'c'],
        [11, 'd'],
      ],
    ],
    [{ lineno: 1, context_line: 'only' }, [[1, 'only']]],
    [{ context_line: 'no line number' }, []],
    [{ lineno: 3 }, []],
  ])('%j', (frame, expected) => {
    expect(contextLines(frame)).toEqual(expected);
  });
});

describe('eventTags', () => {
  it('derives handled/mechanism and runtime from the event', () => {
    const tags = eventTags(
      row({
        exception: { values: [{ type: 'E', mechanism: { type: 'onunhandledrejection', handled: false } }] },
        contexts: { runtime: { name: 'node', version: 'v20.1.0' } },
      }),
    );
    expect(tags).toEqual(
      expect.arrayContaining([
        { key: 'handled', value: 'no' },
        { key: 'mechanism', value: 'onunhandledrejection' },
        { key: 'runtime', value: 'node v20.1.0' },
        { key: 'runtime.name', value: 'node' },
      ]),
    );
  });
});
