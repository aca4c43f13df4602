import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  createEventEnvelope,
  encodeDatagram,
  MAX_UDP_DATAGRAM_BYTES,
  type Event,
  type StackFrame,
} from '../../../client-sdk/src/index.js';
import { parseEnvelope } from '../../helpers/sdk-recorder.js';

const DSN = 'udp://0123456789abcdef0123456789abcdef@127.0.0.1:9125/7';

function frame(i: number, contextChars = 10): StackFrame {
  const line = 'c'.repeat(contextChars);
  return {
    filename: `/srv/app/f${i}.js`,
    function: `fn${i}`,
    lineno: i,
    pre_context: [line, line],
    context_line: line,
    post_context: [line],
  };
}

function bigEvent(o: { crumbs?: number; frames?: number; contextChars?: number; message?: number } = {}): Event {
  return {
    event_id: 'e'.repeat(32),
    message: 'm'.repeat(o.message ?? 10),
    breadcrumbs: Array.from({ length: o.crumbs ?? 0 }, (_, i) => ({ message: `crumb ${i} ${'b'.repeat(100)}` })),
    exception: {
      values: [
        {
          type: 'Error',
          value: 'x',
          stacktrace: { frames: Array.from({ length: o.frames ?? 3 }, (_, i) => frame(i, o.contextChars)) },
        },
      ],
    },
  };
}

function decode(bytes: Uint8Array | null): { header: Record<string, unknown>; event: Event } {
  if (!bytes) throw new Error('dropped');
  const buf = Buffer.from(bytes);
  const env = parseEnvelope((buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8'));
  return { header: env.header as Record<string, unknown>, event: env.items[0]?.[1] as Event };
}

describe('encodeDatagram', () => {
  it('sends small envelopes as they are, with the DSN in the header', () => {
    const { header, event } = decode(encodeDatagram(createEventEnvelope(bigEvent({ crumbs: 2 })), { dsn: DSN }));
    expect(header.dsn).toBe(DSN);
    expect(event.breadcrumbs).toHaveLength(2);
  });

  it('drops breadcrumbs first', () => {
    const bytes = encodeDatagram(createEventEnvelope(bigEvent({ crumbs: 40 })), { dsn: DSN, maxBytes: 3000 });
    const { event } = decode(bytes);
    expect(event.breadcrumbs).toBeUndefined();
    expect(event.exception?.values[0]?.stacktrace?.frames[0]?.context_line).toBeDefined();
    expect(bytes!.length).toBeLessThanOrEqual(3000);
  });

  it('then drops context lines, pre and post before the line itself', () => {
    const { event } = decode(
      encodeDatagram(createEventEnvelope(bigEvent({ frames: 5, contextChars: 300 })), { dsn: DSN, maxBytes: 3500 }),
    );
    const f = event.exception?.values[0]?.stacktrace?.frames[0];
    expect(f?.pre_context).toBeUndefined();
    expect(f?.context_line).toHaveLength(300);
  });

  it('then keeps only the first and last 10 frames', () => {
    const { event } = decode(
      encodeDatagram(createEventEnvelope(bigEvent({ frames: 200 })), { dsn: DSN, maxBytes: 4000 }),
    );
    const st = event.exception?.values[0]?.stacktrace;
    expect(st?.frames.map((f) => f.lineno)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199,
    ]);
    expect(st?.frames_omitted).toEqual([10, 190]);
  });

  it('then truncates long strings', () => {
    const { event } = decode(
      encodeDatagram(createEventEnvelope(bigEvent({ message: 5000 })), { dsn: DSN, maxBytes: 2500 }),
    );
    expect(event.message).toHaveLength(1024);
    expect(event.message?.endsWith('…')).toBe(true);
  });

  it('gives up (null) when nothing makes the event fit', () => {
    expect(encodeDatagram(createEventEnvelope(bigEvent()), { dsn: DSN, maxBytes: 100 })).toBeNull();
  });

  it('gzips datagrams above 1 KiB and fits the limit after compression', () => {
    const gzip = (b: Uint8Array): Uint8Array => gzipSync(b);
    const envelope = createEventEnvelope(bigEvent({ crumbs: 900 }));
    const bytes = encodeDatagram(envelope, { dsn: DSN, gzip });
    expect(bytes?.[0]).toBe(0x1f);
    expect(bytes?.[1]).toBe(0x8b);
    expect(bytes!.length).toBeLessThanOrEqual(MAX_UDP_DATAGRAM_BYTES);
    // 900 crumbs of ~120 bytes are over the limit uncompressed but fit gzipped: nothing trimmed.
    expect(decode(bytes).event.breadcrumbs).toHaveLength(900);
  });
});
