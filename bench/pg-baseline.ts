// Baseline for the pipeline figures: the same event payloads inserted raw into a plain table
// (primary key, jsonb payload, nothing else) with multi-row `unnest` inserts of one worker batch
// each, two statements in flight as the worker runs. Faultline's pipeline rate is reported as a
// ratio of this: what parsing, grouping and counting cost on top of writing the bytes.
import { randomUUID } from 'node:crypto';
import type { Pool } from '../server/src/db/pool.js';

export interface PgBaselineResult {
  rowsPerSec: number;
  rows: number;
  durationMs: number;
  bytesPerRow: number;
}

export async function runPgBaseline(
  pool: Pool,
  payloads: string[],
  opts: { durationMs: number; batchSize: number; concurrency: number; table: string },
): Promise<PgBaselineResult> {
  const table = opts.table; // a constant of the caller: [a-z_]
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.query(
    `CREATE TABLE ${table} (project_id bigint NOT NULL, event_id uuid NOT NULL, received_at timestamptz NOT NULL, payload jsonb NOT NULL, PRIMARY KEY (project_id, event_id))`,
  );
  let rows = 0;
  let next = 0;
  const t0 = performance.now();
  const end = t0 + opts.durationMs;
  const lane = async () => {
    while (performance.now() < end) {
      const batch = Array.from({ length: opts.batchSize }, () => payloads[next++ % payloads.length]!);
      const now = new Date().toISOString();
      await pool.query(
        `INSERT INTO ${table} (project_id, event_id, received_at, payload)
         SELECT 1, * FROM unnest($1::uuid[], $2::timestamptz[], $3::jsonb[])`,
        [batch.map(() => randomUUID()), batch.map(() => now), batch],
      );
      rows += batch.length;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  const durationMs = performance.now() - t0;
  const size = await pool.query<{ bytes: string }>(`SELECT pg_total_relation_size('${table}')::text AS bytes`);
  const bytesPerRow = rows > 0 ? Number(size.rows[0]!.bytes) / rows : 0;
  await pool.query(`DROP TABLE ${table}`);
  return { rowsPerSec: rows / (durationMs / 1000), rows, durationMs, bytesPerRow };
}
