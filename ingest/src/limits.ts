// Size limits of the ingest tier, all measured after decompression (protocol.md §5), and the
// per-item-type check Relay runs on a structurally valid envelope (413 names the offending type).
// The event and envelope limits are configurable (MAX_EVENT_BYTES, MAX_ENVELOPE_BYTES).
import { DEFAULT_INGEST_LINGER_MS } from '../../server/src/shared/ingest-deps.js';

/** What the size checks read of an envelope item (limits.ts sits below envelope.ts: no import back). */
type EnvelopeItem = { readonly type: string; readonly payload: { readonly length: number } };

const KiB = 1024;
const MiB = 1024 * KiB;

/** serde_json's recursion limit: Relay rejects deeper JSON as invalid, so do we. */
export const MAX_JSON_DEPTH = 128;
/** Relay `max_attachment_count`: more attachments than a crash report plausibly needs. */
export const MAX_ATTACHMENT_COUNT = 30;
/** Relay `max_session_count`: SDKs flush sessions in batches far below this. */
export const MAX_SESSION_COUNT = 100;
/** Relay `max_sessions_size`: bound on all session/sessions payloads of one envelope. */
export const MAX_SESSIONS_BYTES = 10 * MiB;
/** Relay `max_client_reports_size`: client reports are a few hundred bytes in practice. */
export const MAX_CLIENT_REPORTS_BYTES = 100 * KiB;
/** Faultline's request counter item is ~200 bytes of JSON (client-sdk/README.md). */
export const MAX_COUNTER_BYTES = 4 * KiB;
/** Items in one envelope: SDKs send one event with a few attachments, sessions and a client report (above the 100 sessions + 30 attachments Relay allows). */
export const MAX_ENVELOPE_ITEMS = 200;
/** Client reports per envelope: an SDK sends one per flush. */
export const MAX_CLIENT_REPORT_COUNT = 4;
/** Request counter items per envelope: our SDK sends one per interval (client-sdk/README.md). */
export const MAX_COUNTER_COUNT = 4;
/** Relay `max_check_in_size`: cron check-ins are tiny JSON documents. */
export const MAX_CHECK_IN_BYTES = 100 * KiB;
/** Compressed bytes may exceed the decompressed limit by this much (stored-block overhead). */
export const COMPRESSED_SLACK_BYTES = 64 * KiB;
/** Largest zstd window we allocate: zstd levels 1-19 never need more; fzstd copies the window per block. */
export const MAX_ZSTD_WINDOW_BYTES = 8 * MiB;
/** fzstd shifts the whole window once per block: bound window x blocks (bytes moved) per request. */
export const MAX_ZSTD_WINDOW_MOVES_BYTES = 2048 * MiB;
/** A dead Redis must not hang requests: answer 503 after this long. */
export const ENQUEUE_TIMEOUT_MS = 2_000;
/** How long a bulk add waits for Redis replicas (REDIS_WAIT_REPLICAS) before its requests get 503. */
export const REPLICA_WAIT_MS = 1_000;
/**
 * Coalescing window of the producer (INGEST_LINGER_MS): the items of the requests accepted within
 * it ride in one queue job (one addBulk). As Kafka's producer `linger.ms` (5 ms by default since
 * Kafka 4.0): a longer window costs each request its wait and spares BullMQ's per-job work in
 * ingest, Redis and the worker. Measured (docs/scaling.md, bench/ingest-linger.ts): at 1,300
 * typical events/s, 1 ms gave ~3 events per job and 5 ms ~9, with 10-20% less ingest CPU and a
 * quarter less Redis CPU per event.
 */
export const ENQUEUE_BATCH_WAIT_MS = DEFAULT_INGEST_LINGER_MS;
/** Flush early once this many items are waiting: one micro-batch job (JOB_MAX_ITEMS) is full. */
export const ENQUEUE_BATCH_MAX_JOBS = 256;

export interface SizeLimits {
  maxEventBytes: number;
  maxEnvelopeBytes: number;
}

/** Item types that carry an event-sized JSON document (Relay: max_event_size each). */
const EVENT_LIKE = new Set([
  'event',
  'transaction',
  'security',
  'raw_security',
  'replay_event',
  'feedback',
  'form_data',
  'user_report_v2',
]);

/**
 * Returns the item type whose limit the envelope exceeds (size, or count: one envelope of 10,000
 * tiny items must not become 10,000 queue jobs), or null when it fits. `items` for too many in all.
 */
export function findOversizeItemType(items: readonly EnvelopeItem[], limits: SizeLimits): string | null {
  if (items.length > MAX_ENVELOPE_ITEMS) return 'items';
  let clientReports = 0;
  let counters = 0;
  let attachments = 0;
  let attachmentBytes = 0;
  let sessions = 0;
  let sessionBytes = 0;
  let clientReportBytes = 0;
  for (const item of items) {
    const size = item.payload.length;
    if (EVENT_LIKE.has(item.type)) {
      if (size > limits.maxEventBytes) return item.type;
    } else if (item.type === 'attachment') {
      attachments += 1;
      attachmentBytes += size;
      if (attachments > MAX_ATTACHMENT_COUNT || attachmentBytes > limits.maxEnvelopeBytes) return 'attachment';
    } else if (item.type === 'session' || item.type === 'sessions') {
      sessions += 1;
      sessionBytes += size;
      if (sessions > MAX_SESSION_COUNT || sessionBytes > MAX_SESSIONS_BYTES) return item.type;
    } else if (item.type === 'client_report') {
      clientReports += 1;
      clientReportBytes += size;
      if (clientReports > MAX_CLIENT_REPORT_COUNT || clientReportBytes > MAX_CLIENT_REPORTS_BYTES)
        return 'client_report';
    } else if (item.type === 'check_in') {
      if (size > MAX_CHECK_IN_BYTES) return 'check_in';
    } else if (item.type === 'faultline_counter') {
      counters += 1;
      if (counters > MAX_COUNTER_COUNT || size > MAX_COUNTER_BYTES) return 'faultline_counter';
    }
  }
  return null;
}

/** The 413 detail Relay sends for an item over its limit (SDKs log it verbatim). */
export function oversizeDetail(type: string): string {
  return `envelope exceeded size limits for type '${type}' (https://develop.sentry.dev/sdk/envelopes/#size-limits)`;
}
