// The client: turns captures into events and events into envelopes. Path of an event:
// capture → (already captured? sampled out?) → scope + defaults → dedupe → beforeSend → transport
// (rate limits, bounded buffer) → server. Each drop is counted by reason for the next client report.
// Every public method catches everything: the SDK never throws into the host application.

import { createOutcomeRecorder } from './client-reports.js';
import { createDelivery, type Delivery } from './delivery.js';
import { parseDsn } from './dsn.js';
import { eventFromException, eventFromMessage, type BuildOptions } from './event-builder.js';
import { normalizeRecord } from './normalize.js';
import { createContextLines } from './processors/context-lines.js';
import { createSessionTracker, type SessionTracker } from './session.js';
import { createCapturedErrors, createDedupe } from './processors/dedupe.js';
import { defaultAppRoot, hostname, isNode, nowSeconds, readSourceFile, runtimeData, uuid4 } from './runtime.js';
import { applyScope, createScopeStack, withCaptureContext, type ScopeData, type ScopeStack } from './scope.js';
import { transportForDsn } from './transports/select.js';
import type {
  Breadcrumb,
  CaptureContext,
  Dsn,
  Event,
  EventHint,
  FeedbackParams,
  Mechanism,
  Options,
  SeverityLevel,
} from './types.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

export const DEFAULT_MAX_BREADCRUMBS = 100;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 2000;
const MAX_FEEDBACK_CHARS = 4096; // the server refuses longer text
export const DEFAULT_COUNTER_INTERVAL_S = 10;
export const DEFAULT_CLIENT_REPORT_INTERVAL_S = 60;

export interface Client {
  readonly options: Readonly<Options>;
  /** False without a (valid) DSN, and after close(). */
  isEnabled(): boolean;
  /** `mechanism` defaults to `{type: 'generic', handled: true}`; the global handlers pass theirs. */
  captureException(error: unknown, context?: CaptureContext, mechanism?: Mechanism): string;
  captureMessage(message: string, levelOrContext?: SeverityLevel | CaptureContext): string;
  captureEvent(event: Event, hint?: EventHint): string;
  /** Sends what a user wrote, linked to an error event when `associatedEventId` is given; returns the feedback's id. */
  captureFeedback(params: FeedbackParams): string;
  addBreadcrumb(breadcrumb: Breadcrumb): void;
  recordRequest(n?: number): void;
  flush(timeout?: number): Promise<boolean>;
  close(timeout?: number): Promise<boolean>;
}

export function createClient(options: Options, scopes: ScopeStack = createScopeStack()): Client {
  const dsn = options.dsn ? parseDsn(options.dsn) : undefined;
  const debug = (message: string, err?: unknown): void => {
    if (options.debug) console.warn(`[faultline] ${message}`, err ?? '');
  };
  if (options.dsn && !dsn) debug('invalid DSN, SDK disabled');
  const node = isNode();
  const environment = options.environment ?? 'production';
  const serverName = options.serverName ?? (node ? hostname() : undefined);
  const maxBreadcrumbs = options.maxBreadcrumbs ?? DEFAULT_MAX_BREADCRUMBS;
  const sampleRate = typeof options.sampleRate === 'number' ? options.sampleRate : 1;
  const runtime = runtimeData();
  const appRoot = options.appRoot ?? defaultAppRoot();
  const build: BuildOptions = {
    isNode: node,
    ...(appRoot ? { appRoot } : {}),
    ...(node ? { contextLines: createContextLines(readSourceFile) } : {}),
  };
  const outcomes = createOutcomeRecorder();
  const captured = createCapturedErrors();
  const dedupe = createDedupe();
  let session: SessionTracker | undefined;
  const delivery = dsn ? startDelivery(dsn) : undefined;
  let enabled = delivery !== undefined;
  session = delivery ? startSession(delivery) : undefined;

  /** Sessions need a release (Relay drops them without one); one per process or page load. */
  function startSession(d: Delivery): SessionTracker | undefined {
    if (options.autoSessionTracking === false || !options.release) return undefined;
    try {
      return createSessionTracker({
        release: options.release,
        environment,
        isNode: node,
        userId: () => {
          const user = scopes.getScope().getData().user;
          return user?.id !== undefined ? String(user.id) : (user?.email ?? undefined);
        },
        send: (payload) => d.sendSession(payload),
      });
    } catch (err) {
      debug('session tracking failed to start', err);
      return undefined;
    }
  }

  function startDelivery(d: Dsn): Delivery | undefined {
    try {
      const hooks = { recordDroppedEvent: outcomes.record, restoreClientReport: outcomes.restore };
      return createDelivery({
        transport: transportForDsn(d, options, hooks, node),
        outcomes,
        ...(serverName ? { serverName } : {}),
        ...(options.release ? { release: options.release } : {}),
        environment,
        counterInterval: options.counterInterval ?? DEFAULT_COUNTER_INTERVAL_S,
        clientReportInterval: options.clientReportInterval ?? DEFAULT_CLIENT_REPORT_INTERVAL_S,
        shutdownTimeout: options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
        debug,
        onExit: () => session?.end(),
        onHidden: () => session?.update(),
      });
    } catch (err) {
      debug('could not create transport', err);
      return undefined;
    }
  }

  function prepare(event: Event, scope: ScopeData): Event {
    const withScope = applyScope(event, scope, maxBreadcrumbs);
    return {
      ...withScope,
      timestamp: event.timestamp ?? nowSeconds(),
      platform: node ? 'node' : 'javascript',
      level: withScope.level ?? 'error',
      environment: event.environment ?? environment,
      ...(options.release ? { release: options.release } : {}),
      ...(serverName ? { server_name: serverName } : {}),
      sdk: { name: SDK_NAME, version: SDK_VERSION },
      ...(runtime.contexts || withScope.contexts ? { contexts: { ...runtime.contexts, ...withScope.contexts } } : {}),
      ...(runtime.request || withScope.request ? { request: { ...runtime.request, ...withScope.request } } : {}),
    };
  }

  async function finish(event: Event, hint: EventHint, d: Delivery): Promise<void> {
    let final: Event | null = event;
    if (options.beforeSend) {
      try {
        final = await options.beforeSend(event, hint);
      } catch (err) {
        // Sending what a failing beforeSend meant to scrub could leak data: drop instead.
        debug('beforeSend threw, event dropped', err);
        final = null;
      }
    }
    if (!final) return outcomes.record('before_send', 'error');
    await d.sendEvent(final);
  }

  /** The pipeline: sample → scope + defaults → dedupe → (async) beforeSend → send. */
  function captureWithScope(event: Event, hint: EventHint, scope: ScopeData): string {
    const eventId = event.event_id ?? uuid4();
    try {
      if (!enabled || !delivery) return eventId;
      // The session sees every error, sampled or not (what ran is what it counts).
      session?.onEvent(
        { ...event, level: scope.level ?? event.level },
        event.exception?.values?.some((v) => v.mechanism?.handled === false) ?? false,
      );
      if (sampleRate < 1 && !(Math.random() < sampleRate)) {
        outcomes.record('sample_rate', 'error');
        return eventId;
      }
      const prepared = prepare({ ...event, event_id: eventId }, scope);
      if (dedupe.isDuplicate(prepared)) {
        outcomes.record('event_processor', 'error');
        return eventId;
      }
      delivery.track(finish(prepared, { ...hint, event_id: eventId }, delivery));
    } catch (err) {
      debug('capture failed', err);
    }
    return eventId;
  }

  return {
    options,
    isEnabled: () => enabled,
    captureException(error, context, mechanism) {
      try {
        if (!enabled || captured.seenBefore(error)) return uuid4();
        const event = eventFromException(error, mechanism ?? { type: 'generic', handled: true }, build);
        return captureWithScope(
          event,
          { originalException: error },
          withCaptureContext(scopes.getScope().getData(), context),
        );
      } catch (err) {
        debug('captureException failed', err);
        return uuid4();
      }
    },
    captureMessage(message, levelOrContext) {
      try {
        const context = typeof levelOrContext === 'string' ? { level: levelOrContext } : levelOrContext;
        const event = eventFromMessage(String(message), context?.level ?? 'info');
        return captureWithScope(event, {}, withCaptureContext(scopes.getScope().getData(), context));
      } catch (err) {
        debug('captureMessage failed', err);
        return uuid4();
      }
    },
    captureEvent(event, hint) {
      return captureWithScope(event, hint ?? {}, scopes.getScope().getData());
    },
    captureFeedback(params) {
      const id = uuid4();
      try {
        if (!enabled || !delivery || typeof params?.message !== 'string' || params.message.trim() === '') return id;
        const feedback: Record<string, string> = {
          message: params.message.slice(0, MAX_FEEDBACK_CHARS),
          source: params.source ?? 'api',
        };
        if (params.name) feedback.name = String(params.name).slice(0, 128);
        if (params.email) feedback.contact_email = String(params.email).slice(0, 256);
        if (params.associatedEventId) feedback.associated_event_id = String(params.associatedEventId);
        const url = params.url ?? (globalThis as { location?: { href?: string } }).location?.href;
        if (url) feedback.url = String(url).slice(0, 2048);
        const scope = scopes.getScope().getData();
        const prepared = prepare({ event_id: id, type: 'feedback', level: 'info', contexts: { feedback } }, scope);
        delete prepared.breadcrumbs; // what the user wrote, not the trail of the error
        delivery.track(delivery.sendFeedback(prepared));
      } catch (err) {
        debug('captureFeedback failed', err);
      }
      return id;
    },
    addBreadcrumb(breadcrumb) {
      try {
        const crumb: Breadcrumb = { timestamp: nowSeconds(), ...breadcrumb };
        if (breadcrumb.data) crumb.data = normalizeRecord(breadcrumb.data);
        scopes.getScope().addBreadcrumb(crumb, maxBreadcrumbs);
      } catch (err) {
        debug('addBreadcrumb failed', err);
      }
    },
    recordRequest(n = 1) {
      try {
        if (enabled) delivery?.recordRequest(n);
      } catch (err) {
        debug('recordRequest failed', err);
      }
    },
    flush: (timeout) => (delivery ? delivery.flush(timeout) : Promise.resolve(true)),
    async close(timeout) {
      try {
        session?.end();
      } catch (err) {
        debug('ending the session failed', err);
      }
      const ok = delivery ? await delivery.flush(timeout) : true;
      enabled = false;
      delivery?.stop();
      return ok;
    },
  };
}
