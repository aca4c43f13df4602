// The read pool's pure parts: WAL positions and replica lag measured against sampled primary positions.
import { describe, expect, it } from 'vitest';
import { lsnToBigInt, primaryStickinessMs, replicaLagMs } from '../../../server/src/db/read-pool.js';

describe('lsnToBigInt', () => {
  it.each([
    ['0/0', 0n],
    ['0/16B3748', 0x16b3748n],
    ['1/0', 1n << 32n],
    ['A/FF', (10n << 32n) + 255n],
  ])('%s', (lsn, value) => expect(lsnToBigInt(lsn)).toBe(value));
});

describe('replicaLagMs', () => {
  const samples = [
    { at: 1_000, lsn: 100n },
    { at: 2_000, lsn: 200n },
    { at: 3_000, lsn: 200n }, // an idle primary: the position stays
    { at: 4_000, lsn: 300n },
  ];
  it.each([
    ['replayed everything: no lag, however idle the primary', 300n, 0],
    ['missing the newest sample only', 250n, 1_000],
    ['missing everything since the second sample', 150n, 3_000],
    ['missing every sample', 50n, 4_000],
  ])('%s', (_name, replayed, lag) => expect(replicaLagMs(samples, replayed, 5_000)).toBe(lag));

  it('is 0 without samples', () => expect(replicaLagMs([], 0n, 5_000)).toBe(0));
});

describe('primaryStickinessMs', () => {
  it('covers the lag bound plus the age of a check', () => expect(primaryStickinessMs(5_000)).toBe(7_000));
});
