// Derived JS modules through the worker pipeline (no source maps uploaded): the symbolicate stage
// gives URL frames Sentry's module and webpack: frames their in_app before the events are
// grouped, so the same function in two files is two issues, while a commit-ish in the bundle
// name does not split one; the stored frames carry the module.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { processBatch } from '../../../server/src/pipeline/process-event.js';
import type { Frame } from '../../../server/src/shared/protocol/event.js';
import { createProject } from '../../helpers/factories.js';
import { PAYLOAD_COLUMNS, withPayloads } from '../../helpers/events.js';
import { usePipelineTestContext } from '../../helpers/pipeline.js';

const t = usePipelineTestContext();

/** A browser TypeError thrown in `fn` at the given script URL (frames as @sentry/browser sends them). */
function browserEvent(url: string, fn: string, line: number): Record<string, unknown> {
  return {
    event_id: randomBytes(16).toString('hex'),
    platform: 'javascript',
    level: 'error',
    timestamp: Date.now() / 1000,
    exception: {
      values: [
        {
          type: 'TypeError',
          value: "Cannot read properties of undefined (reading 'id')",
          stacktrace: {
            frames: [
              { filename: url, function: 'HTMLButtonElement.onclick', lineno: 1, colno: 90, in_app: true },
              { filename: url, function: fn, lineno: line, colno: 17, in_app: true },
            ],
          },
        },
      ],
    },
  };
}

async function run(projectId: string, events: Array<Record<string, unknown>>): Promise<string[]> {
  const outcomes = await processBatch(
    t.deps,
    events.map((e) => ({
      v: 1 as const,
      kind: 'event' as const,
      projectId,
      eventId: e.event_id as string,
      receivedAt: Date.now(),
      payload: JSON.stringify(e),
      meta: {},
    })),
  );
  return outcomes.map((o) => (o.kind === 'stored' ? o.issueId : `not stored: ${o.kind}`));
}

describe('derived JS modules in the pipeline', () => {
  it('groups by the module derived from the URL: one file two builds is one issue, two files are two', async () => {
    const p = await createProject(t.db.pool);
    const [a, b, c] = await run(p.projectId, [
      browserEvent('https://shop.example/static/js/cart.3f1a2b9c.js', 'loadCart', 12),
      browserEvent('https://shop.example/static/js/cart.8e7d6c5b.js', 'loadCart', 14), // next build, commit-ish in the name
      browserEvent('https://shop.example/static/js/checkout.3f1a2b9c.js', 'loadCart', 12), // same function, other file
    ]);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    const rows = withPayloads<{ exception: { values: Array<{ stacktrace: { frames: Frame[] } }> } }>(
      (
        await t.db.pool.query(
          `SELECT ${PAYLOAD_COLUMNS} FROM events WHERE project_id = $1 ORDER BY timestamp, event_id`,
          [p.projectId],
        )
      ).rows,
    );
    const modules = rows.map((r) => r.payload.exception.values[0]!.stacktrace.frames.map((f) => f.module));
    expect(modules.sort()).toEqual([
      ['cart', 'cart'],
      ['cart', 'cart'],
      ['checkout', 'checkout'],
    ]);
  });

  it('marks webpack: frames in app unless they come from node_modules, when the SDK did not say', async () => {
    const p = await createProject(t.db.pool);
    const event = {
      event_id: randomBytes(16).toString('hex'),
      platform: 'javascript',
      level: 'error',
      timestamp: Date.now() / 1000,
      exception: {
        values: [
          {
            type: 'Error',
            value: 'boom',
            stacktrace: {
              frames: [
                {
                  abs_path: 'webpack:///./node_modules/react-dom/cjs/react-dom.development.js',
                  function: 'invokeGuardedCallback',
                  lineno: 4164,
                },
                { abs_path: 'webpack:///./src/cart/CartButton.jsx', function: 'onClick', lineno: 21 },
              ],
            },
          },
        ],
      },
    };
    const [issueId] = await run(p.projectId, [event]);
    const rows = withPayloads<{ exception: { values: Array<{ stacktrace: { frames: Frame[] } }> } }>(
      (await t.db.pool.query(`SELECT ${PAYLOAD_COLUMNS} FROM events WHERE issue_id = $1`, [issueId])).rows,
    );
    const frames = rows[0]!.payload.exception.values[0]!.stacktrace.frames;
    expect(frames.map((f) => [f.module, f.in_app])).toEqual([
      ['react-dom/cjs/react-dom.development', false],
      ['src/cart/CartButton', true],
    ]);
    const { rows: issues } = await t.db.pool.query(`SELECT culprit FROM issues WHERE id = $1`, [issueId]);
    expect(issues[0]!.culprit).toContain('onClick');
  });
});
