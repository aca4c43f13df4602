// How an event's payload is stored: the worker gzips the JSON it built into events.payload_gz
// (bytea, STORAGE EXTERNAL so Postgres does not try to compress it again); rows written before
// migration 0080 keep their jsonb `payload` until retention drops them. A typical 4 KB event
// takes ~2 KB this way instead of ~3.3 KB of TOAST-compressed jsonb, and Postgres no longer
// parses every payload into jsonb on insert (bench/results: STORAGE and CPU per event).
import { constants, gunzipSync, gzipSync } from 'node:zlib';

/**
 * Fastest level: on typical events it is ~3% larger than level 6 at two thirds of the CPU, and
 * the worker's CPU is what limits throughput.
 */
const LEVEL = constants.Z_BEST_SPEED;

export function encodePayload(json: string): Buffer {
  return gzipSync(json, { level: LEVEL });
}

/** A stored row's payload columns, as selected by `PAYLOAD_COLUMNS`. */
export interface StoredPayload {
  payloadGz: Buffer | null;
  payloadJson: Record<string, unknown> | null;
}

/** The columns of `events` decodePayload needs (unqualified: select them where events is the only table with these names). */
export const PAYLOAD_COLUMNS = `payload_gz AS "payloadGz", payload AS "payloadJson"`;

/** The stored payload, or only its `keys` (top-level members) when given. */
export function decodePayload(row: StoredPayload, keys?: readonly string[]): Record<string, unknown> {
  const full = row.payloadGz ? (JSON.parse(gunzipSync(row.payloadGz).toString('utf8')) as Record<string, unknown>) : (row.payloadJson ?? {});
  if (!keys) return full;
  const picked: Record<string, unknown> = {};
  for (const k of keys) picked[k] = full[k] ?? null;
  return picked;
}
