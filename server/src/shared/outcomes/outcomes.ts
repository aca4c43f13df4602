// Why an ingest request was refused, and what became of every item (loss accounting).
// A Drop is a closed set of reasons, each with the HTTP status and the Relay-compatible
// `{"detail", "causes"}` body an SDK receives (protocol.md §1.3, §5, §6). An Outcome is what the
// stats count: every item gets exactly one (Relay `services/outcome.rs`), per project and hour.
// `internal` marks our own bugs (logged at error); every other reason is expected loss.
import type { FilterReason } from '../filters/settings.js';

export type DropReason =
  | 'invalid-project-path' // 400 project id in the URL is not an integer
  | 'missing-auth' // 401 no key anywhere
  | 'multiple-auth' // 401 key in more than one place
  | 'invalid-auth' // 401 auth header/query/envelope dsn unparsable
  | 'invalid-key' // 400 public key is not 32 characters
  | 'unsupported-version' // 400 sentry_version > 7
  | 'unknown-key' // 403 no such key
  | 'disabled-key' // 403 key switched off
  | 'project-mismatch' // 403 URL project id is not the key's project
  | 'cors' // 403 Origin/Referer not among the project's allowed domains
  | 'empty-body' // 400
  | 'invalid-body' // 400 store JSON/base64/zlib or a corrupt compressed stream
  | 'invalid-envelope' // 400 envelope grammar, header or dsn/origin mismatch
  | 'unsupported-encoding' // 415 Content-Encoding we cannot decode
  | 'too-large' // 413 body or item over its limit
  | 'rate-limited' // 429 a key, project or organization quota is used up (see `rateLimits`)
  | 'queue-full' // 429 the process-event queue is over QUEUE_MAX_DEPTH
  | 'keys-unavailable' // 503 key unknown to the cache and Postgres unreachable
  | 'queue-unavailable' // 503 Redis unreachable: the event was not queued
  | 'internal'; // 500 a bug of ours

export interface Drop {
  ok: false;
  reason: DropReason;
  status: number;
  detail: string;
  causes?: string[];
  /** 429: the active limits, for `Retry-After` and `X-Sentry-Rate-Limits` (rate-limit.ts). */
  limits?: ActiveLimit[];
}

/** One quota that rejected data: scope and reason code as Relay writes them (protocol.md §6.1). */
export interface ActiveLimit {
  retryAfterSeconds: number;
  /** Data categories; empty = all. */
  categories: readonly string[];
  scope: 'key' | 'project' | 'organization';
  reasonCode: RateLimitReason;
}

export function drop(reason: DropReason, status: number, detail: string, causes?: readonly string[]): Drop {
  const d: Drop = { ok: false, reason, status, detail };
  if (causes && causes.length > 0) d.causes = [...causes];
  return d;
}

/** The JSON body of an error answer; `causes` is omitted when empty (Relay `ApiErrorResponse`). */
export function dropBody(d: Drop): { detail: string; causes?: string[] } {
  return d.causes ? { detail: d.detail, causes: d.causes } : { detail: d.detail };
}

export const QUEUE_UNAVAILABLE_DETAIL = 'service unavailable: event queue is not reachable';
export const KEYS_UNAVAILABLE_DETAIL = 'service unavailable: project keys cannot be loaded';
/** Relay's 429 body, verbatim: SDKs log it. */
export const RATE_LIMITED_DETAIL =
  'Sentry dropped data due to a quota or internal rate limit being reached. This will not affect your application. See https://docs.sentry.io/product/accounts/quotas/ for more information.';

// ---------------------------------------------------------------------------------------------
// Outcomes: the loss-accounting view of the same facts.

/** Reason codes of `rate_limited` (the X-Sentry-Rate-Limits reason field for the first three). */
export type RateLimitReason = 'key_quota' | 'project_quota' | 'org_quota' | 'spike_protection' | 'queue_full';

/** Why an item was refused for its content: by the worker (events, aux items), or at ingest (session items). */
export type WorkerInvalidReason =
  | 'invalid-event'
  | 'unknown-project'
  | 'invalid-session' // a session update or aggregate ingest refused (status, duration, release, counts)
  | 'invalid-item' // an aux job whose payload the worker could not read at all
  | 'invalid-feedback' // feedback without text, or not an object
  | 'invalid-check-in' // unknown status, bad slug, a schedule or time zone that does not parse
  | 'unknown-monitor' // a check-in without monitor_config for a monitor that does not exist
  | 'monitor-other-project'; // a check-in for a monitor another project of the organization owns

export type Outcome =
  | { outcome: 'accepted' }
  | { outcome: 'filtered'; reason: FilterReason | 'unsupported-item' }
  | { outcome: 'rate_limited'; reason: RateLimitReason }
  | { outcome: 'invalid'; reason: DropReason | WorkerInvalidReason }
  | { outcome: 'internal_error'; reason: 'internal' | 'keys-unavailable' | 'queue-unavailable' | 'processing-failed' };

export type OutcomeName = Outcome['outcome'];
export const OUTCOME_NAMES: readonly OutcomeName[] = [
  'accepted',
  'filtered',
  'rate_limited',
  'invalid',
  'internal_error',
];

/** The outcome of the items of a refused request. 503s are ours (the SDK did nothing wrong). */
export function outcomeOfDrop(d: Drop): Outcome {
  switch (d.reason) {
    case 'rate-limited':
      return { outcome: 'rate_limited', reason: d.limits?.[0]?.reasonCode ?? 'key_quota' };
    case 'queue-full':
      return { outcome: 'rate_limited', reason: 'queue_full' };
    case 'internal':
    case 'keys-unavailable':
    case 'queue-unavailable':
      return { outcome: 'internal_error', reason: d.reason };
    default:
      return { outcome: 'invalid', reason: d.reason };
  }
}

/**
 * Envelope item type → data category (protocol.md §6.1, the JS SDK's mapping). Quotas count
 * `error`; client reports are `internal` and never limited.
 */
export function itemCategory(type: string): string {
  switch (type) {
    case 'event':
      return 'error';
    case 'session':
    case 'sessions':
      return 'session';
    case 'client_report':
      return 'internal';
    case 'raw_security':
    case 'security':
      return 'security';
    case 'profile':
    case 'profile_chunk':
      return 'profile';
    case 'replay_event':
    case 'replay_recording':
    case 'replay_video':
      return 'replay';
    case 'check_in':
      return 'monitor';
    case 'user_report':
      return 'feedback';
    case 'log':
      return 'log_item';
    case 'transaction':
    case 'attachment':
    case 'feedback':
    case 'span':
      return type;
    default:
      return 'default';
  }
}
