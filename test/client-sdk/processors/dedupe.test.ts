import { describe, expect, it } from 'vitest';
import { createCapturedErrors, createDedupe, eventFromException, type Event } from '../../../client-sdk/src/index.js';

const build = { isNode: true };
const mechanism = { type: 'generic', handled: true };

function failAt(line: number): Error {
  const e = new Error('same message');
  e.stack = `Error: same message\n    at work (/srv/app/job.js:${line}:3)`;
  return e;
}

describe('same error object', () => {
  it('is captured once', () => {
    const captured = createCapturedErrors();
    const error = new Error('x');
    expect(captured.seenBefore(error)).toBe(false);
    expect(captured.seenBefore(error)).toBe(true);
    expect(captured.seenBefore(new Error('x'))).toBe(false);
    expect(captured.seenBefore('text')).toBe(false);
    expect(captured.seenBefore('text')).toBe(false);
  });
});

describe('consecutive identical events', () => {
  const ev = (e: Error): Event => eventFromException(e, mechanism, build);

  it('drops an event equal to the previous one', () => {
    const dedupe = createDedupe();
    expect(dedupe.isDuplicate(ev(failAt(1)))).toBe(false);
    expect(dedupe.isDuplicate(ev(failAt(1)))).toBe(true);
  });

  it('keeps events that differ in frames, message or fingerprint, and repeats that are not consecutive', () => {
    const dedupe = createDedupe();
    const results = [
      ev(failAt(1)),
      ev(failAt(2)),
      { ...ev(failAt(2)), fingerprint: ['custom'] },
      { message: 'hello' },
      { message: 'hello' },
      { message: 'hello!' },
      ev(failAt(1)),
    ].map((e) => dedupe.isDuplicate(e));
    expect(results).toEqual([false, false, false, false, true, false, false]);
  });
});
