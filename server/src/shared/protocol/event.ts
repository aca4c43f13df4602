// The Sentry event as Faultline keeps it after the normalize stage: one canonical shape
// (exception/breadcrumbs/threads as {values}, tags as pairs, timestamp as float seconds).
// Unknown fields are kept. Raw SDK input is parsed permissively by pipeline/normalize.ts.

export type Level = 'fatal' | 'error' | 'warning' | 'info' | 'debug';

export interface Frame {
  filename?: string;
  abs_path?: string;
  function?: string;
  raw_function?: string;
  module?: string;
  package?: string;
  platform?: string;
  lineno?: number;
  colno?: number;
  in_app?: boolean;
  context_line?: string;
  pre_context?: string[];
  post_context?: string[];
  vars?: Record<string, unknown>;
  /** Set by symbolication and grouping enhancers (why a frame changed). */
  data?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Stacktrace {
  frames: Frame[];
  [key: string]: unknown;
}

export interface Mechanism {
  type?: string;
  handled?: boolean;
  synthetic?: boolean;
  is_exception_group?: boolean;
  exception_id?: number;
  parent_id?: number;
  source?: string;
  [key: string]: unknown;
}

export interface ExceptionValue {
  type?: string;
  value?: string;
  module?: string;
  mechanism?: Mechanism;
  stacktrace?: Stacktrace;
  [key: string]: unknown;
}

export interface Breadcrumb {
  timestamp?: number;
  type?: string;
  category?: string;
  message?: string;
  level?: string;
  data?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface LogEntry {
  message?: string;
  formatted?: string;
  params?: unknown;
}

export interface EventUser {
  id?: string;
  username?: string;
  email?: string;
  ip_address?: string;
  [key: string]: unknown;
}

export interface NormalizedEvent {
  event_id: string; // 32 lowercase hex
  timestamp: number; // seconds since epoch, float
  received: number; // seconds since epoch, float
  platform: string;
  level: Level;
  type?: string; // 'error' | 'default' | 'transaction' ...
  logger?: string;
  logentry?: LogEntry;
  exception?: { values: ExceptionValue[] };
  stacktrace?: Stacktrace;
  threads?: {
    values: Array<{
      id?: unknown;
      crashed?: boolean;
      current?: boolean;
      stacktrace?: Stacktrace;
      [k: string]: unknown;
    }>;
  };
  breadcrumbs?: { values: Breadcrumb[] };
  tags: Array<[string, string]>;
  contexts?: Record<string, Record<string, unknown>>;
  user?: EventUser;
  request?: Record<string, unknown>;
  release?: string;
  dist?: string;
  environment?: string;
  server_name?: string;
  transaction?: string;
  fingerprint?: string[];
  template?: Record<string, unknown>;
  modules?: Record<string, string>;
  extra?: Record<string, unknown>;
  sdk?: { name?: string; version?: string; [k: string]: unknown };
  debug_meta?: { images?: Array<Record<string, unknown>>; [k: string]: unknown };
  [key: string]: unknown;
}
