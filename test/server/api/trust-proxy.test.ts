// TRUST_PROXY (issue 12): when X-Forwarded-For names the client; and the API pool's statement
// timeout, which cancels a long query in Postgres itself.
import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustProxy } from '../../../server/src/api/trust-proxy.js';
import { loadConfig } from '../../../server/src/config.js';
import { createPool, QUERY_CANCELED } from '../../../server/src/db/pool.js';
import { createTestDatabase } from '../../helpers/db.js';

describe('TRUST_PROXY', () => {
  it.each([
    ['', '10.0.0.1', '203.0.113.7', '10.0.0.1'], // off: the socket, whatever the header says
    ['false', '10.0.0.1', '203.0.113.7', '10.0.0.1'],
    ['1', '10.0.0.1', '203.0.113.7', '203.0.113.7'],
    ['1', '10.0.0.1', '198.51.100.1, 203.0.113.7', '203.0.113.7'], // a client-written entry before it is ignored
    ['2', '10.0.0.1', '198.51.100.1, 203.0.113.7', '198.51.100.1'],
    ['5', '10.0.0.1', '203.0.113.7', '203.0.113.7'], // fewer entries than hops: the first
    ['10.0.0.0/8', '10.0.0.1', '198.51.100.1, 203.0.113.7', '203.0.113.7'],
    ['10.0.0.0/8, 203.0.113.7', '10.0.0.1', '198.51.100.1, 203.0.113.7', '198.51.100.1'],
    ['10.0.0.0/8', '192.0.2.1', '203.0.113.7', '192.0.2.1'], // not from a trusted proxy: the header is ignored
    ['1', '::ffff:10.0.0.1', 'junk', '10.0.0.1'], // not an address: the socket
    ['::1', '::1', '2001:db8::5', '2001:db8::5'],
  ])('TRUST_PROXY=%j, socket %s, X-Forwarded-For %j → %s', (trust, socket, xff, expected) => {
    expect(clientAddress(socket, xff, parseTrustProxy(trust))).toBe(expected);
  });

  it.each(['yes', '10.0.0.300', '10.0.0.0/33', 'a,b', '100'])('refuses %j at start', (v) => {
    expect(() => loadConfig({ TRUST_PROXY: v })).toThrow(/TRUST_PROXY/);
  });
});

describe('API statement timeout', () => {
  // The timeout travels as a startup parameter of a direct connection. Through PgBouncer
  // (scripts/test-through-pgbouncer.sh sets TEST_PG_CLIENT_URL) the pooler drops it by design;
  // there the API role's default carries it, shown in test/scale/pgbouncer.test.ts.
  it.skipIf(process.env.TEST_PG_CLIENT_URL)('Postgres cancels a statement running past it', async () => {
    const db = await createTestDatabase();
    const pool = createPool(db.url, 1, { statementTimeoutMs: 100 });
    try {
      const started = Date.now();
      await expect(pool.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: QUERY_CANCELED });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect((await pool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 }); // the connection stays usable
    } finally {
      await pool.end();
      await db.drop();
    }
  });

  it('defaults to 5 s and can be switched off', () => {
    expect(loadConfig({}).http.statementTimeoutMs).toBe(5_000);
    expect(loadConfig({ API_STATEMENT_TIMEOUT_MS: '0' }).http.statementTimeoutMs).toBe(0);
  });
});
