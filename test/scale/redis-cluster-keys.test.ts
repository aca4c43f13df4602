// Redis Cluster readiness of our key names: a command, script, transaction or pipeline that
// touches several keys only works on a cluster when they share one hash slot, i.e. one hash tag
// (`{…}`). Every key template in the server and ingest sources must carry a hash tag, unless it
// is listed below as used only by single-key commands or as a pub/sub channel.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bullPrefix } from '../../server/src/shared/queues.js';
import { rulesVersionKey } from '../../server/src/alerts/rule-cache.js';
import { sessionStateKey } from '../../server/src/sessions/session-state.js';

const ROOTS = ['server/src', 'ingest/src'];
/** file → why its untagged key template is cluster-safe. */
const SINGLE_KEY_OR_CHANNEL: Record<string, string> = {
  'server/src/realtime/hub.ts': 'one stream key per script call (KEYS[1]); the same name is the pub/sub channel',
  'server/src/users/login-limit.ts': 'MULTI over one key',
  'server/src/shared/key-changes.ts': 'a pub/sub channel, not a key',
  'server/src/sso/pending-logins.ts': 'SET and GETDEL of one key per login',
  'server/src/api/read-your-writes.ts': 'SET and EXISTS of one key per user',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Redis Cluster's key → slot mapping: CRC16-CCITT (XModem) of the hash tag, mod 16384. */
function slot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describe('Redis key names on Redis Cluster', () => {
  it('give every multi-key template a hash tag', () => {
    const untagged: string[] = [];
    for (const file of ROOTS.flatMap(sources)) {
      const text = readFileSync(file, 'utf8');
      if (!/redis/i.test(text)) continue; // string formatting elsewhere, not keys
      for (const m of text.matchAll(/`\$\{[\w.]*prefix\}:([^`]*)`/gi)) {
        const rest = m[1]!;
        if (/(^|:)\{[^$}]+\}/.test(rest) || SINGLE_KEY_OR_CHANNEL[file]) continue;
        untagged.push(`${file}: \`${m[0]}\``);
      }
    }
    expect(untagged).toEqual([]);
  });

  it('keep the keys that one command or pipeline spans in one slot', () => {
    const prefix = 'faultline';
    expect(new Set(['1', '2', '99'].map((p) => slot(rulesVersionKey(prefix, p)))).size).toBe(1);
    expect(
      new Set(
        [
          ['1', 'a'],
          ['2', 'b'],
        ].map(([p, s]) => slot(sessionStateKey(prefix, p!, s!))),
      ).size,
    ).toBe(1);
    expect(slot(`${bullPrefix(prefix)}:process-event:wait`)).toBe(slot(`${bullPrefix(prefix)}:process-event:123`));
    expect(slot('{user1000}.following')).toBe(slot('{user1000}.followers')); // the Redis docs' example
    expect(slot('123456789')).toBe(0x31c3 % 16384); // CRC16/XModem check value
  });
});
