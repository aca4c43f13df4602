// What a query function needs of Postgres: the pool, or a client inside a transaction. It sits on
// the shared floor so ingest's cached key lookup (keys.ts) takes one without importing db/.
import type pg from 'pg';

/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;
