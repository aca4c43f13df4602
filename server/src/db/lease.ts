// Leases: "one process at a time" for periodic jobs without session state (PgBouncer in
// transaction mode hands every statement any server connection, so a session advisory lock
// would stay behind on one of them). Taking and returning a lease are single statements; the
// lease of a process that dies expires after its ttl.
import { randomUUID } from 'node:crypto';
import type { Queryable } from './pool.js';

/** Runs fn while holding the lease `name`; null (fn not run) when another process holds it. */
export async function withLease<T>(
  db: Queryable,
  name: string,
  ttlMs: number,
  fn: () => Promise<T>,
): Promise<T | null> {
  const holder = randomUUID(); // this run: a second run in the same process waits its turn too
  const { rowCount } = await db.query(
    `INSERT INTO schedule_leases (name, holder, held_until) VALUES ($1, $2, now() + make_interval(secs => $3))
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
     WHERE schedule_leases.held_until < now()`,
    [name, holder, ttlMs / 1000],
  );
  if (!rowCount) return null;
  try {
    return await fn();
  } finally {
    await db.query('UPDATE schedule_leases SET held_until = now() WHERE name = $1 AND holder = $2', [name, holder]);
  }
}
