// The pipeline benchmark's verdict on a run: an overloaded all-in-one process answers late rather
// than letting a backlog pile up, and such a run must not count as sustained.
import { describe, expect, it } from 'vitest';
import { isSustained } from '../../bench/pipeline-phase.js';

describe('isSustained', () => {
  const kept = { failed: 0, rate: 2000, backlogAtEnd: 300, lateSec: 0.2 };

  it('holds when nothing failed, the answers came on time and the backlog is under a second of load', () => {
    expect(isSustained(kept)).toBe(true);
  });

  it('fails a run whose answers came more than a second after the load stopped, whatever the backlog', () => {
    expect(isSustained({ ...kept, backlogAtEnd: 0, lateSec: 1.8 })).toBe(false);
  });

  it('fails a run with more than a second of offered load still waiting, or with a failed request', () => {
    expect(isSustained({ ...kept, backlogAtEnd: 2001 })).toBe(false);
    expect(isSustained({ ...kept, failed: 1 })).toBe(false);
  });
});
