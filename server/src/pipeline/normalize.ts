// Stage "normalize": the raw event JSON an SDK sent, in any shape the protocol allows, becomes
// the one canonical NormalizedEvent (shared/protocol/event.ts). Pure: the received time and the client
// IP come from the job. Reference: protocol.md §4 and Relay's event normalization.
import type { NormalizedEvent } from '../shared/protocol/event.js';
import {
  normalizeBreadcrumbs,
  normalizeContexts,
  normalizeException,
  normalizeRequest,
  normalizeStacktrace,
  normalizeThreads,
  normalizeUser,
  type InferIp,
} from './normalize-interfaces.js';
import {
  clampTimestamp,
  isRecord,
  normalizeDist,
  normalizeEnvironment,
  normalizeFingerprint,
  normalizeLevel,
  normalizeLogentry,
  normalizePlatform,
  normalizeRelease,
  normalizeTags,
  parseTimestamp,
  shortString,
} from '../shared/normalize-values.js';
import { addUserAgentContexts } from './user-agent.js';
import { addMetaError, createEventMeta, primitiveText, type EventMeta } from './normalize-meta.js';
import { boundFlagsContext } from '../flags/evaluations.js';

/** The payload is not an event at all; retrying cannot help. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

export interface NormalizeContext {
  eventId: string;
  /** When ingest received the event, ms since the epoch. */
  receivedAt: number;
  clientIp?: string;
}

// Pre-protocol-7 SDKs used interface class names as keys.
const LEGACY_ALIASES: Record<string, string> = {
  'sentry.interfaces.Exception': 'exception',
  'sentry.interfaces.Message': 'logentry',
  'sentry.interfaces.Http': 'request',
  'sentry.interfaces.User': 'user',
  'sentry.interfaces.Stacktrace': 'stacktrace',
  'sentry.interfaces.Breadcrumbs': 'breadcrumbs',
  'sentry.interfaces.Template': 'template',
};

// Server-side or legacy fields clients must not set; `message` becomes logentry.
const DISCARDED = new Set(['message', 'culprit', 'received', 'project', 'key_id', '_meta', 'site']);

// JSON escapes Postgres cannot store (NUL in text/jsonb, lone UTF-16 surrogates in jsonb).
const UNSTORABLE_ESCAPE_RE = /\\u0000|\\u[dD][89a-fA-F]/;

/** Stage "parse": the payload text as JSON, with strings Postgres could not store repaired. */
export function parseEventJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return UNSTORABLE_ESCAPE_RE.test(text) ? repairStrings(value) : value;
}

function repairStrings(value: unknown): unknown {
  if (typeof value === 'string')
    return value.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  if (Array.isArray(value)) return value.map(repairStrings);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [repairStrings(k) as string, repairStrings(v)]));
}

/**
 * The events normalizeEvent dated by their receipt: no usable timestamp of their own, or one
 * clamped (more than 60 s ahead, more than 30 days old). A copy of such an event sent again gets
 * another receipt time, so only these need the store step's lookup by id in every partition;
 * an SDK's own timestamp that happens to equal the receipt to the millisecond does not.
 */
const datedByReceipt = new WeakSet<NormalizedEvent>();

export function isDatedByReceipt(event: NormalizedEvent): boolean {
  return datedByReceipt.has(event);
}

export function normalizeEvent(raw: unknown, ctx: NormalizeContext): NormalizedEvent {
  if (!isRecord(raw)) throw new InvalidEventError('event payload is not a JSON object');
  const src = withLegacyAliases(raw);
  const received = ctx.receivedAt / 1000;
  const meta = createEventMeta();
  const platform = normalizePlatform(src.platform);
  // The derived fields, in the order new ones are appended after the event's own fields. The
  // event is built in one pass, its own fields in their order first (a derived one in its place,
  // or left out when it normalized to nothing): `delete` on a built object would turn it into a
  // slow dictionary-mode object for every later step (tags, grouping key, serialize).
  const ownTimestamp = parseTimestamp(src.timestamp);
  const timestamp = clampTimestamp(ownTimestamp, received);
  const derived: Partial<NormalizedEvent> = {
    event_id: ctx.eventId,
    timestamp,
    received,
    platform,
    level: normalizeLevel(src.level),
    tags: normalizeTags(src.tags),
    logger: shortString(src.logger, 64),
    logentry: normalizeLogentry(src.logentry, src.message),
    exception: normalizeException(src.exception, meta),
    stacktrace: normalizeStacktrace(src.stacktrace),
    threads: normalizeThreads(src.threads),
    breadcrumbs: normalizeBreadcrumbs(src.breadcrumbs),
    contexts: normalizeContexts(src.contexts),
    user: normalizeUser(src.user, { clientIp: ctx.clientIp, inferIp: inferIpSetting(src.sdk), platform }),
    request: normalizeRequest(src.request, ctx.clientIp, meta),
    release: normalizeRelease(src.release),
    dist: normalizeDist(src.dist),
    environment: normalizeEnvironment(src.environment),
    server_name: shortString(src.server_name, 256, { truncate: true }),
    transaction: shortString(src.transaction, 200, { truncate: true }),
    fingerprint: normalizeFingerprint(src.fingerprint),
    template: isRecord(src.template) ? src.template : undefined,
    modules: normalizeModules(src.modules, meta),
    extra: isRecord(src.extra) ? src.extra : undefined,
    sdk: normalizeSdk(src.sdk, meta),
    debug_meta: isRecord(src.debug_meta) ? src.debug_meta : undefined,
  };
  const event = {} as NormalizedEvent;
  for (const key of Object.keys(src)) {
    if (DISCARDED.has(key)) continue;
    if (!Object.hasOwn(derived, key)) setOwn(event, key, src[key]);
    else if (derived[key] !== undefined) setOwn(event, key, derived[key]);
  }
  for (const key of Object.keys(derived))
    if (derived[key] !== undefined && !Object.hasOwn(event, key)) event[key] = derived[key];
  if (Object.keys(meta).length > 0) event._meta = meta;
  addUserAgentContexts(event); // browser, os and device from the request's User-Agent, where absent
  boundFlagsContext(event, isRecord(src.contexts) ? src.contexts.flags : undefined); // feature-flag evaluations: at most 100, valid ones only (flags/evaluations.ts)
  event.type = src.type === 'transaction' ? 'transaction' : event.exception ? 'error' : 'default';
  if (timestamp !== ownTimestamp) datedByReceipt.add(event);
  return event;
}

/** An own data property, also for a key named `__proto__` (which a plain assignment would not create). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function withLegacyAliases(raw: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(raw).some((k) => k in LEGACY_ALIASES)) return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const alias = LEGACY_ALIASES[key];
    if (alias === undefined) out[key] = value;
    else if (raw[alias] === undefined) out[alias] = value;
  }
  return out;
}

// JS SDK v10+ sends sdk.settings.infer_ip instead of "{{auto}}" (protocol.md §4.1 `user`).
function inferIpSetting(sdk: unknown): InferIp {
  const setting = isRecord(sdk) && isRecord(sdk.settings) ? sdk.settings.infer_ip : undefined;
  return setting === 'auto' || setting === 'never' ? setting : 'legacy';
}

function normalizeModules(value: unknown, meta: EventMeta): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, version] of Object.entries(value)) {
    if (version === null || version === undefined) continue;
    const text = primitiveText(version);
    if (text === undefined) addMetaError(meta, ['modules', name], 'expected a string');
    else out[name] = text;
  }
  return Object.keys(out).length > 0 ? { ...out } : undefined;
}

/** sdk.name and sdk.version are read as text (titles, grouping quirks): strings or nothing. */
function normalizeSdk(value: unknown, meta: EventMeta): NormalizedEvent['sdk'] | undefined {
  if (!isRecord(value)) return undefined;
  const sdk: Record<string, unknown> = { ...value };
  for (const key of ['name', 'version']) {
    if (sdk[key] === undefined || typeof sdk[key] === 'string') continue;
    delete sdk[key];
    addMetaError(meta, ['sdk', key], 'expected a string');
  }
  return sdk;
}
