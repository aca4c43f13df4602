// Public entry point of @faultline/client-sdk: Sentry-like global functions working on one
// client (created by init) and one scope stack, plus the building blocks for custom setups.
// Scope functions work before init; capture functions are no-ops until a DSN is configured.

import { createClient, DEFAULT_SHUTDOWN_TIMEOUT_MS, type Client } from './client.js';
import { installGlobalHandlers } from './global-handlers.js';
import { showFeedbackForm as openFeedbackForm, type FeedbackFormOptions } from './feedback-form.js';
import { uuid4 } from './runtime.js';
import { createScopeStack, type Scope } from './scope.js';
import type {
  Breadcrumb,
  CaptureContext,
  Event,
  EventHint,
  FeedbackParams,
  Options,
  Primitive,
  SeverityLevel,
  User,
} from './types.js';

const scopes = createScopeStack();
let client: Client | undefined;
let uninstallHandlers: (() => void) | undefined;

/** Starts the SDK; a second call replaces the previous client. */
export function init(options: Options): Client {
  const previous = client;
  uninstallHandlers?.();
  uninstallHandlers = undefined;
  if (previous) void previous.close(0);
  try {
    client = createClient(options, scopes);
    if (options.globalHandlers !== false && client.isEnabled()) {
      uninstallHandlers = installGlobalHandlers(client, options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
    }
  } catch {
    // never throw into the application: run disabled instead
    client = createClient({}, scopes);
  }
  return client;
}

export function getClient(): Client | undefined {
  return client;
}

/** Reports an error you caught (mechanism generic, handled: true); returns the event id. */
export function captureException(error: unknown, context?: CaptureContext): string {
  return client ? client.captureException(error, context) : uuid4();
}

/** Reports a message (level `info` unless given); returns the event id. */
export function captureMessage(message: string, levelOrContext?: SeverityLevel | CaptureContext): string {
  return client ? client.captureMessage(message, levelOrContext) : uuid4();
}

export function captureEvent(event: Event, hint?: EventHint): string {
  return client ? client.captureEvent(event, hint) : uuid4();
}

/** Sends user feedback (Sentry's captureFeedback): `{ message, name?, email?, associatedEventId?, url? }`. */
export function captureFeedback(params: FeedbackParams): string {
  return client ? client.captureFeedback(params) : uuid4();
}

/** Opens a small feedback dialog (browsers only) whose answer is sent with captureFeedback; returns a closer. */
export function showFeedbackForm(options?: FeedbackFormOptions): () => void {
  return openFeedbackForm((params) => captureFeedback(params), options);
}

export function addBreadcrumb(breadcrumb: Breadcrumb): void {
  if (client) client.addBreadcrumb(breadcrumb);
  else scopes.getScope().addBreadcrumb({ timestamp: Date.now() / 1000, ...breadcrumb }, 100);
}

export function getCurrentScope(): Scope {
  return scopes.getScope();
}

export function setUser(user: User | null): void {
  scopes.getScope().setUser(user);
}

export function setTag(key: string, value: Primitive): void {
  scopes.getScope().setTag(key, value);
}

export function setTags(tags: Record<string, Primitive>): void {
  scopes.getScope().setTags(tags);
}

export function setContext(name: string, context: Record<string, unknown> | null): void {
  scopes.getScope().setContext(name, context);
}

export function setExtra(key: string, value: unknown): void {
  scopes.getScope().setExtra(key, value);
}

export function setExtras(extras: Record<string, unknown>): void {
  scopes.getScope().setExtras(extras);
}

/**
 * Records a feature-flag evaluation on the current scope (the last 100 per scope, as Sentry's
 * featureFlagsIntegration): events captured afterwards carry them in `contexts.flags`.
 */
export function addFeatureFlag(name: string, result: boolean): void {
  scopes.getScope().addFeatureFlag(name, result);
}

/** Runs `callback` with a fork of the current scope (current only during its synchronous part). */
export function withScope<T>(callback: (scope: Scope) => T): T {
  return scopes.withScope(callback);
}

/** Counts requests served; sent as a `faultline_counter` item every `counterInterval` seconds. */
export function recordRequest(n = 1): void {
  client?.recordRequest(n);
}

/** Waits up to `timeout` ms for queued events; true if everything was delivered (or dropped) in time. */
export function flush(timeout?: number): Promise<boolean> {
  return client ? client.flush(timeout) : Promise.resolve(true);
}

/** Flushes, then disables the SDK and removes its handlers. */
export function close(timeout?: number): Promise<boolean> {
  uninstallHandlers?.();
  uninstallHandlers = undefined;
  return client ? client.close(timeout) : Promise.resolve(true);
}

export { createClient, type Client } from './client.js';
export {
  DEFAULT_MAX_BREADCRUMBS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_COUNTER_INTERVAL_S,
  DEFAULT_CLIENT_REPORT_INTERVAL_S,
} from './client.js';
export { createOutcomeRecorder, type OutcomeRecorder } from './client-reports.js';
export { createRequestCounter, type RequestCounter } from './counter.js';
export { createDelivery, type Delivery, type DeliveryOptions } from './delivery.js';
export { parseDsn, dsnToString, envelopeUrl } from './dsn.js';
export {
  createEventEnvelope,
  createClientReportEnvelope,
  createCounterEnvelope,
  serializeEnvelope,
  itemCategory,
  byteLength,
} from './envelope.js';
export { eventFromException, eventFromMessage, type BuildOptions } from './event-builder.js';
export { installGlobalHandlers, unhandledRejectionsMode } from './global-handlers.js';
export { normalize, normalizeRecord } from './normalize.js';
export {
  createContextLines,
  CONTEXT_LINES,
  MAX_CONTEXT_LINE_LENGTH,
  type ContextLines,
} from './processors/context-lines.js';
export {
  createCapturedErrors,
  createDedupe,
  eventSignature,
  type CapturedErrors,
  type Dedupe,
} from './processors/dedupe.js';
export { errorChain, isErrorLike, linkExceptions, LINKED_ERRORS_LIMIT } from './processors/linked-errors.js';
export { trimEventToFit, KEEP_EDGE_FRAMES } from './processors/trim.js';
export { MAX_SOURCE_BYTES } from './runtime.js';
export {
  createScope,
  createScopeStack,
  applyScope,
  withCaptureContext,
  type Scope,
  type ScopeData,
  type ScopeStack,
} from './scope.js';
export { parseStackFrames, moduleFromFilename, isInApp, MAX_STACK_FRAMES, type StackOptions } from './stacktrace.js';
export { createTransport, type MakeRequest } from './transports/base.js';
export { createPromiseBuffer, settleWithin, DEFAULT_BUFFER_SIZE, type PromiseBuffer } from './transports/buffer.js';
export { makeFetchTransport } from './transports/fetch.js';
export { makeHttpTransport } from './transports/http.js';
export {
  parseRetryAfterHeader,
  updateRateLimits,
  disabledUntil,
  isRateLimited,
  DEFAULT_RETRY_AFTER_MS,
  type RateLimits,
  type RateLimitResponse,
} from './transports/rate-limit.js';
export { transportForDsn } from './transports/select.js';
export {
  makeUdpTransport,
  encodeDatagram,
  MAX_UDP_DATAGRAM_BYTES,
  UDP_GZIP_THRESHOLD_BYTES,
  type DatagramOptions,
} from './transports/udp.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
export type * from './types.js';
export type { FeedbackFormOptions } from './feedback-form.js';
