// One tag derivation (events/tags.ts): the tags the event API shows for an event are exactly the
// tags the pipeline counted it under (issue_tag_values), including the cases where the old
// display rules differed: blank derived values (no tag at all), own tags that collide with a
// derived key (the derived one wins), contexts that only the counting side knew (os, device),
// long and multi-line values (cleaned once, shown as counted).
import { describe, expect, it } from 'vitest';
import { eventTags, serializeEvent } from '../../../server/src/events/serialize.js';
import { findEvent } from '../../../server/src/events/read-queries.js';
import { prepareEvent, processBatch } from '../../../server/src/pipeline/process-event.js';
import type { PreparedEvent } from '../../../server/src/pipeline/prepared.js';
import { usePipelineTestContext } from '../../helpers/pipeline.js';
import { createProject } from '../../helpers/db-fixtures.js';

const RECEIVED_AT = Date.now();
let seq = 0;
const newEventId = () => (++seq).toString(16).padStart(32, 'd');

const CASES: Array<[string, Record<string, unknown>]> = [
  [
    'blank derived values',
    {
      transaction: '   ',
      dist: '\n\t',
      server_name: ' ',
      contexts: { runtime: { name: '  ', version: '1' }, browser: { name: ' ' } },
    },
  ],
  [
    'own tags colliding with derived keys',
    {
      tags: { level: 'custom', release: 'other@2', region: 'eu', browser: 'own' },
      contexts: { browser: { name: 'Firefox', version: '120' } },
    },
  ],
  [
    'os and device contexts',
    {
      contexts: {
        os: { name: 'Debian', version: '12.11\n' },
        device: { family: 'iPhone' },
        runtime: { name: 'node', version: 'v20' },
      },
    },
  ],
  [
    'long and multi-line values',
    {
      transaction: `GET /cart\n\n  ${'x'.repeat(400)}`,
      request: { url: `https://shop.test/${'y'.repeat(300)}` },
      tags: [['note', 'free text']],
    },
  ],
  [
    'users and mechanisms',
    {
      user: { id: 42, email: 'a@b.c' },
      exception: { values: [{ type: 'E', value: 'v', mechanism: { type: 'onunhandledrejection', handled: false } }] },
    },
  ],
];

describe('tags shown and tags counted', () => {
  const t = usePipelineTestContext();

  it.each(CASES)('agree for %s', async (name, fields) => {
    const { projectId } = await createProject(t.db.pool, `tags-${seq}`);
    const event = {
      platform: 'node',
      level: 'error',
      timestamp: RECEIVED_AT / 1000 - 1,
      release: 'app@1.0.0',
      environment: 'production',
      message: `tags ${name}`,
      ...fields,
    };
    const [outcome] = await processBatch(t.deps, [
      {
        v: 1,
        kind: 'event',
        projectId,
        eventId: newEventId(),
        receivedAt: RECEIVED_AT,
        payload: JSON.stringify(event),
        meta: {},
      },
    ]);
    expect(outcome!.kind).toBe('stored');
    const issueId = (outcome as { issueId: string }).issueId;

    const { rows } = await t.db.pool.query<{ key: string; value: string }>(
      'SELECT key, value FROM issue_tag_values WHERE issue_id = $1',
      [issueId],
    );
    const counted = rows.map((r) => `${r.key}=${r.value}`).sort();
    const row = await findEvent(t.db.pool, { projectId, issueId, pick: { kind: 'latest' } });
    const shown = serializeEvent(row!, { hashes: [], release: null, previousEventID: null, nextEventID: null })
      .tags.map((tag) => `${tag.key}=${tag.value}`)
      .sort();

    expect(shown).toEqual(counted);
    expect(shown.length).toBeGreaterThan(2);
    expect(shown.some((tag) => /^[^=]+=\s*$/.test(tag))).toBe(false); // no blank values either side
  });

  it.each(CASES)('agree for %s when the stored payload predates derived tags in it', (_name, fields) => {
    // Older rows hold the event's own tags only: the display derives the rest by the same rules.
    const event = {
      platform: 'node',
      level: 'error',
      timestamp: RECEIVED_AT / 1000 - 1,
      release: 'app@1.0.0',
      environment: 'production',
      message: 'old row',
      ...fields,
    };
    const p = prepareEvent({
      v: 1,
      kind: 'event',
      projectId: '1',
      eventId: newEventId(),
      receivedAt: RECEIVED_AT,
      payload: JSON.stringify(event),
      meta: {},
    }) as PreparedEvent;
    expect(p.tags).toBeDefined();
    const row = {
      level: p.event.level,
      release: p.event.release ?? null,
      environment: p.event.environment ?? null,
      serverName: p.event.server_name ?? null,
      payload: { ...p.event } as Record<string, unknown>,
    };
    expect(
      eventTags(row)
        .map((tag) => `${tag.key}=${tag.value}`)
        .sort(),
    ).toEqual(p.tags.map(([k, v]) => `${k}=${v}`).sort());
  });
});
