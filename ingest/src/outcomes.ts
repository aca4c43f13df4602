// Why an ingest request was refused: a closed set of drop reasons, each with the HTTP status and
// the Relay-compatible `{"detail", "causes"}` body an SDK receives (protocol.md §1.3, §5).
// `internal` marks our own bugs (logged at error); every other reason is expected loss.

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
  | 'empty-body' // 400
  | 'invalid-body' // 400 store JSON/base64/zlib or a corrupt compressed stream
  | 'invalid-envelope' // 400 envelope grammar, header or dsn/origin mismatch
  | 'unsupported-encoding' // 415 Content-Encoding we cannot decode
  | 'too-large' // 413 body or item over its limit
  | 'keys-unavailable' // 503 key unknown to the cache and Postgres unreachable
  | 'queue-unavailable' // 503 Redis unreachable: the event was not queued
  | 'internal'; // 500 a bug of ours

export interface Drop {
  ok: false;
  reason: DropReason;
  status: number;
  detail: string;
  causes?: string[];
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
