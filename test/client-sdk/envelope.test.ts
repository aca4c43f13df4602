import { describe, expect, it } from 'vitest';
import {
  createClientReportEnvelope,
  createCounterEnvelope,
  createEventEnvelope,
  itemCategory,
  serializeEnvelope,
  SDK_VERSION,
} from '../../client-sdk/src/index.js';

describe('serializeEnvelope', () => {
  it('writes header, item header and payload lines without lengths or a final newline', () => {
    const text = serializeEnvelope([
      {
        event_id: 'a'.repeat(32),
        sent_at: '2026-01-01T00:00:00.000Z',
        sdk: { name: 'faultline.javascript', version: '1.0.0' },
      },
      [[{ type: 'event' }, { event_id: 'a'.repeat(32), message: 'line\nbreak' }]],
    ]);
    expect(text).toBe(
      `{"event_id":"${'a'.repeat(32)}","sent_at":"2026-01-01T00:00:00.000Z","sdk":{"name":"faultline.javascript","version":"1.0.0"}}\n` +
        '{"type":"event"}\n' +
        `{"event_id":"${'a'.repeat(32)}","message":"line\\nbreak"}`,
    );
    expect(text.endsWith('\n')).toBe(false);
  });
});

describe('envelope builders', () => {
  it('copies the event id into the header and lets a client report ride along', () => {
    const report = {
      timestamp: 1,
      discarded_events: [{ reason: 'sample_rate' as const, category: 'error' as const, quantity: 2 }],
    };
    const [header, items] = createEventEnvelope({ event_id: 'b'.repeat(32) }, [[{ type: 'client_report' }, report]]);
    expect(header).toMatchObject({
      event_id: 'b'.repeat(32),
      sdk: { name: 'faultline.javascript', version: SDK_VERSION },
    });
    expect(typeof header.sent_at).toBe('string');
    expect(items.map((i) => i[0].type)).toEqual(['event', 'client_report']);
  });

  it('builds client report and counter envelopes without an event id', () => {
    const report = createClientReportEnvelope({ timestamp: 1, discarded_events: [] });
    const counter = createCounterEnvelope({ requests: 3, interval: 10, timestamp: 2, server_name: 'web-1' });
    expect(report[0].event_id).toBeUndefined();
    expect(report[1][0]?.[0]).toEqual({ type: 'client_report' });
    expect(counter[1][0]).toEqual([
      { type: 'faultline_counter' },
      { requests: 3, interval: 10, timestamp: 2, server_name: 'web-1' },
    ]);
  });

  it.each([
    ['event', 'error'],
    ['client_report', 'internal'],
    ['faultline_counter', 'counter'],
  ] as const)('maps %s items to category %s', (type, category) => {
    expect(itemCategory([{ type }, {}] as never)).toBe(category);
  });
});
