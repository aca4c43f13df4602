// THE accept path of ingest, shared by the HTTP endpoints and the UDP listener: given the
// request's auth, path project id and decompressed body it checks auth, the project key, the
// envelope structure and size limits, then the protections (protect.ts: early filters, queue
// backpressure, quotas), queues the event and the release-health items, and counts an outcome
// for every item it does not queue. It never throws for bad input: { ok, eventId } or a Drop.
import { randomUUID } from 'node:crypto';
import type { KeyLookup, ProjectKeyInfo } from '../../server/src/shared/keys.js';
import type { EventJob, AuxJob } from '../../server/src/shared/queues.js';
import { eventJobId, WORKER_COUNTED_AUX_KINDS } from '../../server/src/shared/queues.js';
import { sessionItemProblem } from '../../server/src/shared/protocol/session.js';
import { isAllowedOrigin } from './allowed-domains.js';
import type { Logger } from '../../server/src/shared/log.js';
import {
  normalizeProjectId,
  parseDsn,
  parsePublicKey,
  PROTOCOL_VERSION,
  type RequestAuth,
  type SentryAuth,
} from './auth.js';
import { isObject, parseEnvelope, readEnvelopeMeta, type Envelope, type EnvelopeMeta } from './envelope.js';
import { parseJsonHeader } from './parse-json-header.js';
import { dsnProjectId } from './udp-datagram.js';
import { findOversizeItemType, MAX_JSON_DEPTH, oversizeDetail, type SizeLimits } from './limits.js';
import { jsonDepthExceeds } from './json-depth.js';
import { parseStoreBody } from './store-body.js';
import { QueueUnavailableError, type Enqueuer, type QueuedJob } from './enqueue.js';
import {
  drop,
  itemCategory,
  KEYS_UNAVAILABLE_DETAIL,
  outcomeOfDrop,
  QUEUE_UNAVAILABLE_DETAIL,
  type ActiveLimit,
  type Drop,
  type Outcome,
} from '../../server/src/shared/outcomes/outcomes.js';
import {
  eventFate,
  fateOutcome,
  isAuxLimited,
  QUEUE_FULL_LIMIT,
  rateLimited,
  type EventFate,
  type ProtectionDeps,
} from './protect.js';

export type { Drop, DropReason } from '../../server/src/shared/outcomes/outcomes.js';

export interface AcceptInput {
  endpoint: 'store' | 'envelope' | 'udp';
  /** Raw `{project_id}` path segment; absent for `/api/store/` (the key decides the project) and UDP (the header dsn does). */
  projectIdFromPath?: string | undefined;
  auth: RequestAuth;
  body: { kind: 'envelope'; bytes: Buffer } | { kind: 'store'; bytes: Buffer; contentEncoded: boolean };
  clientIp?: string | undefined;
  userAgent?: string | undefined;
  /** The request's Origin (else Referer) as an http(s) URL, if any. */
  origin?: string | undefined;
  receivedAt: number;
}

export interface AcceptDeps extends ProtectionDeps {
  keys: KeyLookup;
  enqueuer: Enqueuer;
  limits: SizeLimits;
  log: Logger;
}

/** `limits`: some items were refused by a quota; the answer still carries X-Sentry-Rate-Limits. */
export type AcceptResult = { ok: true; eventId: string | null; limits?: ActiveLimit[] } | Drop;

/** What accept() learned about a request so far, for counting the outcome of a refusal. */
interface Tally {
  publicKey: string | null;
  projectId: string | null;
  /** Data categories of the request's items, once the body is parsed. */
  categories: string[] | null;
  /** Outcomes were counted item by item already. */
  counted: boolean;
}

/** A request that passed auth: who sent it and for which project key. */
interface Sender {
  input: AcceptInput;
  auth: SentryAuth;
  key: ProjectKeyInfo;
}

/** Items that belong to an event: the answer carries an id when one is present (Relay `requires_event`). */
const REQUIRES_EVENT = new Set([
  'event',
  'transaction',
  'security',
  'raw_security',
  'attachment',
  'form_data',
  'unreal_report',
  'user_report',
  'feedback',
  'replay_event',
  'profile',
]);
const AUX_TYPES = new Set([
  'session',
  'sessions',
  'client_report',
  'faultline_counter',
  'feedback',
  'user_report',
  'check_in',
]);

export async function accept(input: AcceptInput, deps: AcceptDeps): Promise<AcceptResult> {
  const tally: Tally = { publicKey: null, projectId: null, categories: null, counted: false };
  let result: AcceptResult;
  try {
    result = await acceptOrDrop(input, deps, tally);
  } catch (err) {
    deps.log.error({ err, endpoint: input.endpoint }, 'ingest accept failed');
    result = drop('internal', 500, 'internal server error');
  }
  if (!result.ok && !tally.counted) countRefused(result, tally, input, deps);
  return result;
}

/** Counts a request the HTTP layer refused before accept() (path, auth, encoding, body size). */
export function countRefusedRequest(
  input: Pick<AcceptInput, 'endpoint' | 'auth' | 'receivedAt'>,
  d: Drop,
  deps: AcceptDeps,
): void {
  const publicKey = input.auth.kind === 'ok' ? parsePublicKey(input.auth.auth.publicKey) : null;
  countRefused(d, { publicKey, projectId: null, categories: null, counted: false }, input, deps);
}

/** Every item of a refused request gets the drop's outcome, under its project when one is known. */
function countRefused(
  d: Drop,
  tally: Tally,
  input: Pick<AcceptInput, 'endpoint' | 'receivedAt'>,
  deps: AcceptDeps,
): void {
  const counter = deps.outcomes;
  if (!counter) return;
  const categories = tally.categories ?? [input.endpoint === 'store' ? 'error' : 'default'];
  const add = (projectId: string | null) =>
    categories.forEach((c) => counter.add(projectId, c, outcomeOfDrop(d), 1, input.receivedAt));
  if (tally.projectId !== null || tally.publicKey === null) return add(tally.projectId);
  // Refused before the key was looked up (e.g. a malformed body): attribute it if the key exists.
  deps.keys.find(tally.publicKey).then(
    (key) => add(key?.projectId ?? null),
    () => add(null),
  );
}

/**
 * The checks that need only the request line and headers (Relay's order: path, auth, key,
 * version). HTTP runs them before reading the body; accept() runs them again (cheap).
 */
export function precheck(
  input: Pick<AcceptInput, 'endpoint' | 'projectIdFromPath' | 'auth'>,
): Drop | { pathProject: string | undefined } {
  let pathProject: string | undefined;
  if (input.projectIdFromPath !== undefined) {
    if (!/^\d{1,18}$/.test(input.projectIdFromPath))
      return drop('invalid-project-path', 400, 'bad project path parameter');
    pathProject = normalizeProjectId(input.projectIdFromPath);
  }
  const a = input.auth;
  if (a.kind === 'error') return drop(a.reason, a.status, a.detail, a.causes);
  if (a.kind === 'none' && input.endpoint === 'store')
    return drop('missing-auth', 401, 'missing authorization information');
  if (a.kind === 'ok') {
    const key = checkAuthKey(a.auth);
    if (typeof key !== 'string') return key;
  }
  return { pathProject };
}

/** The 32-character key (flags stripped) or why it is unacceptable. */
function checkAuthKey(auth: SentryAuth): string | Drop {
  const publicKey = parsePublicKey(auth.publicKey);
  if (!publicKey) return drop('invalid-key', 400, 'bad sentry DSN public key', ['invalid project key']);
  if (auth.version > PROTOCOL_VERSION)
    return drop('unsupported-version', 400, `unsupported protocol version (${auth.version})`);
  return publicKey;
}

async function acceptOrDrop(raw: AcceptInput, deps: AcceptDeps, tally: Tally): Promise<AcceptResult> {
  // A datagram has no URL path: its header dsn names the project. Read here, inside accept()'s
  // one error path, like every other parse of what the client sent.
  const input =
    raw.endpoint === 'udp' && raw.body.kind === 'envelope'
      ? { ...raw, projectIdFromPath: dsnProjectId(raw.body.bytes) }
      : raw;
  const pre = precheck(input);
  if ('reason' in pre) return pre;
  const { pathProject } = pre;
  const body = input.body;
  const auth = input.auth.kind === 'ok' ? input.auth.auth : authFromEnvelope(body.bytes);
  if ('reason' in auth) return auth;
  const publicKey = checkAuthKey(auth);
  if (typeof publicKey !== 'string') return publicKey;
  tally.publicKey = publicKey;

  if (body.kind === 'store') {
    const event = parseStoreBody(body.bytes, { limit: deps.limits.maxEventBytes, contentEncoded: body.contentEncoded });
    if (!event.ok) return event;
    const key = await checkKey(publicKey, pathProject, input.origin, deps, tally);
    if ('reason' in key) return key;
    const eventId = event.eventId ?? newEventId();
    const fate = await eventFate(key, null, deps);
    if (fate.kind !== 'queue') return refuseEvent(fate, eventId, key.projectId, input, deps, tally);
    const job = eventJob({ input, auth, key }, eventId, event.payload);
    job.priority = deps.floodLane?.priorityOf(key.projectId, event.payload, input.receivedAt);
    return enqueue([job], eventId, deps);
  }

  const parsed = parseRequestEnvelope(body.bytes, { origin: input.origin, auth, publicKey, pathProject });
  if ('reason' in parsed) return parsed;
  tally.categories = parsed.envelope.items.map((i) => itemCategory(i.type));
  const key = await checkKey(publicKey, pathProject, input.origin, deps, tally);
  if ('reason' in key) return key;
  const oversize = findOversizeItemType(parsed.envelope.items, deps.limits);
  if (oversize) return drop('too-large', 413, oversizeDetail(oversize));
  return acceptEnvelope(parsed.envelope, parsed.meta, { input, auth, key }, deps, tally);
}

/** A store event that is filtered (200, as Relay: the SDK did nothing wrong) or limited (429). */
function refuseEvent(
  fate: Exclude<EventFate, { kind: 'queue' }>,
  eventId: string,
  projectId: string,
  input: AcceptInput,
  deps: AcceptDeps,
  tally: Tally,
): AcceptResult {
  tally.counted = true;
  deps.outcomes?.add(projectId, 'error', fateOutcome(fate), 1, input.receivedAt);
  return fate.kind === 'limited' ? rateLimited(fate.limits) : { ok: true, eventId };
}

/** Envelopes without request auth authenticate with the envelope header's `dsn` (tunnels). */
function authFromEnvelope(bytes: Buffer): SentryAuth | Drop {
  const bad = (cause: string) => drop('invalid-auth', 401, 'bad envelope authentication header', [cause]);
  const head = parseJsonHeader(bytes, 0);
  if (!head.ok) return bad(head.error);
  if (!isObject(head.value)) return bad('invalid type: expected struct with field `dsn`');
  const dsn = head.value.dsn;
  if (typeof dsn !== 'string')
    return bad(dsn === undefined ? 'missing field `dsn`' : 'invalid type for `dsn`: expected a string');
  const parsed = parseDsn(dsn);
  if (typeof parsed === 'string') return bad(parsed);
  return { publicKey: parsed.publicKey, version: PROTOCOL_VERSION, client: null, source: 'envelope' };
}

interface RequestFacts {
  origin: string | undefined;
  auth: SentryAuth;
  publicKey: string;
  pathProject: string | undefined;
}

/** Parses the envelope and checks its header against the request (Relay `EnvelopeHeaders::complete`). */
function parseRequestEnvelope(bytes: Buffer, req: RequestFacts): { envelope: Envelope; meta: EnvelopeMeta } | Drop {
  const { auth, publicKey, pathProject } = req;
  if (bytes.length === 0) return drop('empty-body', 400, 'empty request body');
  const invalid = (causes: string[]) => drop('invalid-envelope', 400, 'invalid event envelope', causes);
  const parsed = parseEnvelope(bytes);
  if (!parsed.ok) return invalid(parsed.causes);
  // At most one event per envelope: which one would be "the" event is undefined.
  if (parsed.envelope.items.filter((i) => i.type === 'event').length > 1)
    return invalid(['duplicate item of type `event`']);
  const read = readEnvelopeMeta(parsed.envelope.headers);
  if (!read.ok) return invalid(read.causes);
  const meta = read.meta;
  if (meta.dsn !== null) {
    const dsn = parseDsn(meta.dsn);
    if (typeof dsn === 'string') return invalid(['invalid envelope header', dsn]);
    if (pathProject !== undefined && dsn.projectId !== pathProject)
      return invalid(['project id header mismatch between envelope and request']);
    if (auth.source !== 'envelope' && parsePublicKey(dsn.publicKey) !== publicKey)
      return invalid(['public key header mismatch between envelope and request']);
  }
  if (meta.origin !== null && !sameUrl(meta.origin, req.origin))
    return invalid(['origin header mismatch between envelope and request']);
  return { envelope: parsed.envelope, meta };
}

function sameUrl(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

async function checkKey(
  publicKey: string,
  pathProject: string | undefined,
  origin: string | undefined,
  deps: AcceptDeps,
  tally: Tally,
): Promise<ProjectKeyInfo | Drop> {
  let key: ProjectKeyInfo | null;
  try {
    key = await deps.keys.find(publicKey);
  } catch (err) {
    deps.log.warn({ err }, 'project key lookup failed, answering 503');
    return drop('keys-unavailable', 503, KEYS_UNAVAILABLE_DETAIL);
  }
  const rejected = 'event submission rejected with_reason: ProjectId';
  if (!key) return drop('unknown-key', 403, rejected);
  tally.projectId = key.projectId;
  if (!key.isActive) return drop('disabled-key', 403, rejected);
  if (pathProject !== undefined && pathProject !== key.projectId) return drop('project-mismatch', 403, rejected);
  if (!isAllowedOrigin(origin, key.allowedDomains))
    return drop('cors', 403, 'event submission rejected with_reason: Cors');
  return key;
}

async function acceptEnvelope(
  envelope: Envelope,
  meta: EnvelopeMeta,
  sender: Sender,
  deps: AcceptDeps,
  tally: Tally,
): Promise<AcceptResult> {
  const { input, auth, key } = sender;
  const needsId = envelope.items.some((i) => REQUIRES_EVENT.has(i.type));
  // The envelope header's event_id wins over the payload's; the worker sees only ours.
  const eventId = meta.eventId ?? (needsId ? newEventId() : null);
  const jobs: QueuedJob[] = [];
  const outcomes: Array<[string, Outcome]> = []; // counted once the jobs are queued
  const limits: ActiveLimit[] = [];
  const event = envelope.items.find((i) => i.type === 'event');
  if (event && eventId) {
    // Deeper than serde_json's recursion limit: Relay accepts the envelope and then drops the
    // event as invalid in processing; so do we, before it costs queue memory and worker stack.
    const fate: EventFate = jsonDepthExceeds(event.payload, MAX_JSON_DEPTH)
      ? { kind: 'invalid' }
      : await eventFate(key, envelope.headers, deps);
    if (fate.kind === 'queue') {
      const sdk = auth.client ?? sdkFromHeader(envelope.headers.sdk);
      const job = eventJob({ input, auth: { ...auth, client: sdk }, key }, eventId, event.payload.toString('utf8'));
      job.priority = deps.floodLane?.priorityOf(key.projectId, event.payload, input.receivedAt);
      jobs.push(job);
    } else {
      outcomes.push(['error', fateOutcome(fate)]);
      if (fate.kind === 'limited') limits.push(...fate.limits);
    }
  }
  for (const item of envelope.items) {
    if (item.type === 'event') continue;
    const category = itemCategory(item.type);
    if (!AUX_TYPES.has(item.type)) {
      outcomes.push([category, { outcome: 'filtered', reason: 'unsupported-item' }]); // accepted and dropped, as Relay
    } else if ((item.type === 'session' || item.type === 'sessions') && isUnusableSession(item.type, item.payload)) {
      outcomes.push([category, { outcome: 'invalid', reason: 'invalid-session' }]); // never queued, never counted
    } else if (isAuxLimited(item.type, deps)) {
      outcomes.push([category, { outcome: 'rate_limited', reason: 'queue_full' }]);
      if (!limits.includes(QUEUE_FULL_LIMIT)) limits.push(QUEUE_FULL_LIMIT);
    } else {
      const data: AuxJob = {
        v: 1,
        kind: item.type as AuxJob['kind'],
        projectId: key.projectId,
        receivedAt: input.receivedAt,
        payload: item.payload.toString('utf8'),
      };
      if (item.type === 'feedback' && eventId) data.eventId = eventId;
      jobs.push({ name: item.type, data });
      // Feedback and check-ins are validated by the worker, which counts accepted or invalid.
      if (!WORKER_COUNTED_AUX_KINDS.has(item.type)) outcomes.push([category, { outcome: 'accepted' }]);
    }
  }
  const result = await enqueue(jobs, eventId, deps);
  if (!result.ok) return result;
  tally.counted = true;
  for (const [category, o] of outcomes) deps.outcomes?.add(key.projectId, category, o, 1, input.receivedAt);
  if (limits.length === 0) return result;
  // Limited, and nothing but client reports got through: the SDK must see a 429 to back off.
  return jobs.every((j) => j.name === 'client_report') ? rateLimited(limits) : { ...result, limits };
}

function eventJob({ input, auth, key }: Sender, eventId: string, payload: string): QueuedJob {
  const meta: EventJob['meta'] = { keyId: key.keyId, endpoint: input.endpoint };
  if (input.clientIp) meta.clientIp = input.clientIp;
  if (input.userAgent) meta.userAgent = input.userAgent;
  if (auth.client) meta.sdk = auth.client;
  const data: EventJob = {
    v: 1,
    kind: 'event',
    projectId: key.projectId,
    eventId,
    receivedAt: input.receivedAt,
    payload,
    meta,
  };
  return { name: 'event', data, jobId: eventJobId(key.projectId, eventId) };
}

async function enqueue(jobs: QueuedJob[], eventId: string | null, deps: AcceptDeps): Promise<AcceptResult> {
  try {
    await deps.enqueuer.enqueue(jobs);
  } catch (err) {
    if (err instanceof QueueUnavailableError) return drop('queue-unavailable', 503, QUEUE_UNAVAILABLE_DETAIL);
    throw err;
  }
  return { ok: true, eventId };
}

function sdkFromHeader(sdk: unknown): string | null {
  if (!isObject(sdk) || typeof sdk.name !== 'string') return null;
  return typeof sdk.version === 'string' ? `${sdk.name}/${sdk.version}` : sdk.name;
}

function newEventId(): string {
  return randomUUID().replaceAll('-', '');
}

/** A session item whose JSON or fields make it uncountable (size already bounded by limits.ts). */
function isUnusableSession(type: 'session' | 'sessions', payload: Buffer): boolean {
  try {
    return sessionItemProblem(type, JSON.parse(payload.toString('utf8'))) !== null;
  } catch {
    return true; // not JSON: refused with an outcome, like any other unusable item
  }
}
