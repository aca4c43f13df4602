// Issue 15: frames as Relay keeps them, since suspect-commit matching, ownership rules and
// source links read them. A Go frame with only abs_path gets a filename; a source-mapped frame
// carries the clean original path; default scrubbing leaves source lines alone (not PII in
// Relay) while frame vars are still scrubbed. The last case sends a real python3-sentry-sdk
// event through a real server (ingest, worker, default project settings) and reads it back.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from '../helpers/api-client.js';
import { createMember } from '../helpers/alert-fixtures.js';
import { waitFor } from '../helpers/wait.js';
import { normalizeEvent } from '../../server/src/pipeline/normalize.js';
import { DEFAULT_SCRUB_RULES } from '../../server/src/scrub/rules.js';
import { scrubEvent } from '../../server/src/scrub/scrub-event.js';
import { displayFilename } from '../../server/src/sourcemaps/resolve.js';

const norm = (raw: Record<string, unknown>) =>
  normalizeEvent(raw, { eventId: 'a'.repeat(32), receivedAt: 1_764_000_000_000 });
const frames = (e: ReturnType<typeof norm>) => e.exception!.values[0]!.stacktrace!.frames;

describe('frames as Relay keeps them', () => {
  it('fills filename from abs_path when an SDK sends only abs_path (Go), the URL path for URLs', () => {
    const e = norm({
      platform: 'go',
      exception: {
        values: [
          {
            type: '*errors.errorString',
            value: 'boom',
            stacktrace: {
              frames: [
                {
                  abs_path: '/home/ci/shop/cart/cart.go',
                  function: 'Checkout',
                  module: 'example.com/shop/cart',
                  lineno: 12,
                },
                { abs_path: 'https://cdn.example.com/assets/app%20v2.js', lineno: 1 },
                { abs_path: '/keep/mine.go', filename: 'mine.go', lineno: 3 },
              ],
            },
          },
        ],
      },
    });
    expect(frames(e).map((f) => f.filename)).toEqual(['/home/ci/shop/cart/cart.go', '/assets/app v2.js', 'mine.go']);
  });

  it.each([
    ['../../src/cart.js', 'src/cart.js'],
    ['../src/./cart.js', 'src/./cart.js'],
    ['webpack:///../src/cart.js', 'src/cart.js'],
    ['webpack://app/./src/cart.ts', './src/cart.ts'],
    ['src/cart.js', 'src/cart.js'],
  ])('source-mapped %s shows as %s', (source, filename) => {
    expect(displayFilename(source)).toBe(filename);
  });

  it('leaves source context alone under the default scrubbing rules, still scrubs vars', () => {
    const line = "  charge('4111 1111 1111 1111') # test card from the docs";
    const e = norm({
      platform: 'ruby',
      exception: {
        values: [
          {
            type: 'RuntimeError',
            value: 'declined',
            stacktrace: {
              frames: [
                {
                  filename: 'app/models/order.rb',
                  lineno: 7,
                  pre_context: ['def pay', "  token = 'sk_live_0123456789abcdef'"],
                  context_line: line,
                  post_context: ['end'],
                  vars: { card: '4111 1111 1111 1111', password: 'pw' },
                },
              ],
            },
          },
        ],
      },
    });
    const [frame] = frames(scrubEvent(e, DEFAULT_SCRUB_RULES));
    expect(frame).toMatchObject({
      context_line: line,
      pre_context: ['def pay', "  token = 'sk_live_0123456789abcdef'"],
      post_context: ['end'],
    });
    expect(frame!.vars).toEqual({ card: '[Filtered]', password: '[Filtered]' });
  });
});

describe(
  'a card-like number in a source line, from python3-sentry-sdk through the pipeline',
  { timeout: 120_000 },
  () => {
    let server: TestServer;
    let token: string;
    beforeAll(async () => {
      server = await startTestServer({ ROLE: 'all' });
      token = (await createMember(server.pool, server.project.orgId, 'owner@shop.test', 'owner')).token;
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('keeps the line as the file has it and scrubs the variables', async () => {
      await promisify(execFile)('/usr/bin/python3', [path.join(import.meta.dirname, 'programs/python_card_line.py')], {
        env: { ...process.env, DSN: server.project.dsn },
        timeout: 30_000,
      });
      const eventId = await waitFor(
        async () =>
          (
            await server.pool.query<{ id: string }>(
              `SELECT replace(event_id::text, '-', '') AS id FROM events WHERE project_id = $1`,
              [server.project.projectId],
            )
          ).rows[0]?.id,
        { message: 'the python event stored', timeout: 30_000 },
      );
      const r = await call(
        server.url,
        `/api/0/projects/${server.project.orgSlug}/${server.project.slug}/events/${eventId}/`,
        {
          token,
        },
      );
      expect(r.status).toBe(200);
      const exception = r.body.entries.find((e: { type: string }) => e.type === 'exception');
      const frames: Array<{ function: string; context: Array<[number, string]>; vars: Record<string, unknown> }> =
        exception.data.values[0].stacktrace.frames;
      const pay = frames.find((f) => f.function === 'pay')!;
      expect(pay.context.map(([, line]) => line)).toContain('    card = "4111 1111 1111 1111"');
      expect(pay.context.map(([, line]) => line)).toContain(
        '    charge("4111 1111 1111 1111", password="hunter2")  # the docs\' test card',
      );
      expect(JSON.stringify(pay.vars)).not.toContain('4111');
      const charge = frames.find((f) => f.function === 'charge')!;
      expect(JSON.stringify(charge.vars)).not.toContain('hunter2');
    });
  },
);
