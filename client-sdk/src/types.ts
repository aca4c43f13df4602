// Shared types of the Faultline SDK: the event we send (a subset of the Sentry event payload),
// envelopes, transports and the options accepted by `init()`.
// Field names follow the Sentry protocol (snake_case on the wire).

export type SeverityLevel = 'fatal' | 'error' | 'warning' | 'log' | 'info' | 'debug';

export interface StackFrame {
  filename?: string;
  abs_path?: string;
  function?: string;
  module?: string;
  lineno?: number;
  colno?: number;
  in_app?: boolean;
  pre_context?: string[];
  context_line?: string;
  post_context?: string[];
}

export interface Mechanism {
  type: string;
  handled: boolean;
  synthetic?: boolean;
  source?: string;
  exception_id?: number;
  parent_id?: number;
}

export interface Exception {
  type: string;
  value: string;
  module?: string;
  stacktrace?: { frames: StackFrame[]; frames_omitted?: [number, number] };
  mechanism?: Mechanism;
}

export interface Breadcrumb {
  timestamp?: number;
  type?: string;
  category?: string;
  message?: string;
  level?: SeverityLevel;
  data?: Record<string, unknown>;
}

export interface User {
  id?: string | number;
  username?: string;
  email?: string;
  ip_address?: string;
  [key: string]: unknown;
}

export type Primitive = string | number | boolean | bigint | symbol | null | undefined;

export interface Event {
  event_id?: string;
  /** 'feedback' for user feedback events; absent for errors. */
  type?: 'feedback';
  timestamp?: number;
  platform?: 'node' | 'javascript';
  level?: SeverityLevel;
  message?: string;
  logger?: string;
  exception?: { values: Exception[] };
  breadcrumbs?: Breadcrumb[];
  tags?: Record<string, Primitive>;
  user?: User;
  contexts?: Record<string, Record<string, unknown>>;
  extra?: Record<string, unknown>;
  fingerprint?: string[];
  release?: string;
  environment?: string;
  server_name?: string;
  request?: { url?: string; headers?: Record<string, string> };
  sdk?: { name: string; version: string };
}

/** What the SDK knew when it built an event; handed to `beforeSend`. */
export interface EventHint {
  originalException?: unknown;
  event_id?: string;
}

/** Client-report drop reasons (develop docs "Client Reports"). */
export type DropReason =
  | 'sample_rate'
  | 'before_send'
  | 'event_processor'
  | 'queue_overflow'
  | 'ratelimit_backoff'
  | 'network_error'
  | 'send_error';

/** Rate-limit / outcome data category of an envelope item. `counter` is Faultline's own. */
export type DataCategory = 'error' | 'internal' | 'counter' | 'session' | 'feedback';

export interface DiscardedEvent {
  reason: DropReason;
  category: DataCategory;
  quantity: number;
}

export interface ClientReport {
  timestamp: number;
  discarded_events: DiscardedEvent[];
}

/** Payload of a `faultline_counter` item: requests served by one host/release over `interval` seconds. */
export interface CounterPayload {
  requests: number;
  interval: number;
  server_name?: string;
  release?: string;
  environment?: string;
  timestamp: number;
}

export type SessionStatus = 'ok' | 'exited' | 'crashed' | 'abnormal' | 'unhandled';

/** Payload of a `session` item (develop docs "Sessions"). */
export interface SessionPayload {
  sid: string;
  did?: string;
  init: boolean;
  seq: number;
  started: string;
  timestamp: string;
  status: SessionStatus;
  errors: number;
  duration: number;
  attrs: { release: string; environment: string };
}

export interface EnvelopeHeader {
  event_id?: string;
  sent_at?: string;
  sdk?: { name: string; version: string };
  dsn?: string;
}

export type EventItem = [{ type: 'event' }, Event];
export type ClientReportItem = [{ type: 'client_report' }, ClientReport];
export type CounterItem = [{ type: 'faultline_counter' }, CounterPayload];
export type SessionItem = [{ type: 'session' }, SessionPayload];
/** What a user wrote (Sentry's `captureFeedback`): sent as a `feedback` item, an event with `contexts.feedback`. */
export interface FeedbackParams {
  message: string;
  name?: string;
  email?: string;
  /** The error event the feedback is about (the id captureException returned). */
  associatedEventId?: string;
  url?: string;
  source?: string;
}
export type FeedbackItem = [{ type: 'feedback' }, Event];
export type EnvelopeItem = EventItem | ClientReportItem | CounterItem | SessionItem | FeedbackItem;
export type Envelope = [EnvelopeHeader, EnvelopeItem[]];

export interface Dsn {
  protocol: 'http' | 'https' | 'udp';
  publicKey: string;
  secretKey?: string;
  host: string;
  port?: string;
  /** Path prefix before the project id, without leading/trailing slashes ('' if none). */
  path: string;
  projectId: string;
}

/** What a transport learnt from sending one envelope. */
export type RequestResult =
  | { kind: 'sent'; statusCode?: number; retryAfter?: string | null; rateLimits?: string | null }
  | { kind: 'dropped'; reason: DropReason };

export interface Transport {
  /** Queues the envelope; resolves when it was sent or dropped. Never rejects. */
  send(envelope: Envelope): Promise<void>;
  /** Resolves true once everything queued is done, false if `timeout` ms passed first. */
  flush(timeout?: number): Promise<boolean>;
  /** Releases sockets. Queued envelopes are not waited for (call flush first). */
  close?(): void;
}

export interface TransportOptions {
  dsn: Dsn;
  /** Full envelope endpoint URL (http/https DSNs) with the auth query string. */
  url: string;
  bufferSize: number;
  /** Gzip UDP datagrams larger than 1 KiB. */
  compress: boolean;
  recordDroppedEvent(reason: DropReason, category: DataCategory, quantity?: number): void;
  /** A client report that could not be delivered (rate limit, network): the client re-queues its counts. */
  restoreClientReport(report: ClientReport): void;
}

export type TransportFactory = (options: TransportOptions) => Transport;

export interface Options {
  /** `http(s)://KEY@host[:port][/prefix]/PROJECT` or `udp://KEY@host:port/PROJECT`. Without it the SDK is a no-op. */
  dsn?: string;
  release?: string;
  /** Default `production`. */
  environment?: string;
  /** Default: the host name (Node). */
  serverName?: string;
  /** Share of error/message events sent, 0..1. Default 1. */
  sampleRate?: number;
  /** Last chance to change or drop (`null`) an event. May be async. */
  beforeSend?: (event: Event, hint: EventHint) => Event | null | PromiseLike<Event | null>;
  /** Default 100. */
  maxBreadcrumbs?: number;
  /** Replaces the transport chosen from the DSN scheme. */
  transport?: TransportFactory;
  /** Envelopes in flight before new ones are dropped (queue_overflow). Default 64. */
  bufferSize?: number;
  /** How long (ms) to flush after an uncaught exception before exiting. Default 2000. */
  shutdownTimeout?: number;
  /** Seconds between `faultline_counter` reports. Default 10. */
  counterInterval?: number;
  /** Seconds between client reports (Node). Default 60. */
  clientReportInterval?: number;
  /** Install uncaught exception / unhandled rejection (Node) or error/unhandledrejection (browser) handlers. Default true. */
  globalHandlers?: boolean;
  /** Root for frame `module` names (Node). Default `process.cwd()`. */
  appRoot?: string;
  /** Gzip UDP datagrams larger than 1 KiB. Default true. */
  compress?: boolean;
  /** Print SDK-internal failures with console.warn. Default false. */
  debug?: boolean;
  /** Release health: one session per process (Node) or page load (browser); needs `release`. Default true. */
  autoSessionTracking?: boolean;
}

/** Extra scope data for a single capture (like Sentry's captureContext). */
export interface CaptureContext {
  level?: SeverityLevel;
  tags?: Record<string, Primitive>;
  extra?: Record<string, unknown>;
  contexts?: Record<string, Record<string, unknown>>;
  user?: User;
  fingerprint?: string[];
}
