// Scope: the data (tags, user, contexts, extra, fingerprint, level, breadcrumbs) merged into
// every event captured while it is current. `withScope` runs a callback with a forked scope;
// the fork is current only during the callback's synchronous part.

import { normalize, normalizeRecord } from './normalize.js';
import type { Breadcrumb, CaptureContext, Event, Primitive, SeverityLevel, User } from './types.js';

export interface ScopeData {
  tags: Record<string, Primitive>;
  user?: User;
  contexts: Record<string, Record<string, unknown>>;
  extra: Record<string, unknown>;
  fingerprint?: string[];
  level?: SeverityLevel;
  breadcrumbs: Breadcrumb[];
  /** Feature-flag evaluations, oldest first, each flag once (sent as contexts.flags.values). */
  flags?: FeatureFlag[];
}

export interface FeatureFlag {
  flag: string;
  result: boolean;
}

/** As Sentry's SDKs: the last 100 evaluations per scope; re-evaluating a flag moves it to the end. */
export const MAX_FEATURE_FLAGS = 100;

export interface Scope {
  setTag(key: string, value: Primitive): Scope;
  setTags(tags: Record<string, Primitive>): Scope;
  /** `null` removes the user. */
  setUser(user: User | null): Scope;
  /** `null` removes the context. */
  setContext(name: string, context: Record<string, unknown> | null): Scope;
  setExtra(key: string, value: unknown): Scope;
  setExtras(extras: Record<string, unknown>): Scope;
  setFingerprint(fingerprint: string[] | null): Scope;
  setLevel(level: SeverityLevel | null): Scope;
  /** Appends to the ring of the last `max` breadcrumbs. */
  addBreadcrumb(breadcrumb: Breadcrumb, max: number): Scope;
  clearBreadcrumbs(): Scope;
  /** Records a boolean flag evaluation (other result types are ignored, as in Sentry's SDKs). */
  addFeatureFlag(name: string, result: boolean): Scope;
  clear(): Scope;
  clone(): Scope;
  /** A snapshot; later changes to the scope do not show in it. */
  getData(): ScopeData;
}

function emptyData(): ScopeData {
  return { tags: {}, contexts: {}, extra: {}, breadcrumbs: [] };
}

function copyData(d: ScopeData): ScopeData {
  return {
    tags: { ...d.tags },
    ...(d.user ? { user: { ...d.user } } : {}),
    contexts: { ...d.contexts },
    extra: { ...d.extra },
    ...(d.fingerprint ? { fingerprint: [...d.fingerprint] } : {}),
    ...(d.level ? { level: d.level } : {}),
    breadcrumbs: [...d.breadcrumbs],
    ...(d.flags ? { flags: d.flags.map((f) => ({ ...f })) } : {}),
  };
}

export function createScope(initial: ScopeData = emptyData()): Scope {
  let data = copyData(initial);
  const scope: Scope = {
    setTag(key, value) {
      data.tags[key] = value;
      return scope;
    },
    setTags(tags) {
      data.tags = { ...data.tags, ...tags };
      return scope;
    },
    setUser(user) {
      if (user) data.user = normalizeRecord(user) as User;
      else delete data.user;
      return scope;
    },
    setContext(name, context) {
      if (context) data.contexts[name] = normalizeRecord(context);
      else delete data.contexts[name];
      return scope;
    },
    setExtra(key, value) {
      data.extra[key] = normalize(value);
      return scope;
    },
    setExtras(extras) {
      data.extra = { ...data.extra, ...normalizeRecord(extras) };
      return scope;
    },
    setFingerprint(fingerprint) {
      if (fingerprint) data.fingerprint = fingerprint.map(String);
      else delete data.fingerprint;
      return scope;
    },
    setLevel(level) {
      if (level) data.level = level;
      else delete data.level;
      return scope;
    },
    addBreadcrumb(breadcrumb, max) {
      if (max <= 0) return scope;
      data.breadcrumbs.push(breadcrumb);
      if (data.breadcrumbs.length > max) data.breadcrumbs.splice(0, data.breadcrumbs.length - max);
      return scope;
    },
    clearBreadcrumbs() {
      data.breadcrumbs = [];
      return scope;
    },
    addFeatureFlag(name, result) {
      if (typeof name !== 'string' || name === '' || typeof result !== 'boolean') return scope;
      const flags = (data.flags ?? []).filter((f) => f.flag !== name);
      flags.push({ flag: name, result });
      if (flags.length > MAX_FEATURE_FLAGS) flags.splice(0, flags.length - MAX_FEATURE_FLAGS);
      data.flags = flags;
      return scope;
    },
    clear() {
      data = emptyData();
      return scope;
    },
    clone: () => createScope(data),
    getData: () => copyData(data),
  };
  return scope;
}

export interface ScopeStack {
  getScope(): Scope;
  withScope<T>(callback: (scope: Scope) => T): T;
}

export function createScopeStack(root: Scope = createScope()): ScopeStack {
  const stack: Scope[] = [root];
  const top = (): Scope => stack[stack.length - 1] ?? root;
  return {
    getScope: top,
    withScope(callback) {
      const forked = top().clone();
      stack.push(forked);
      try {
        return callback(forked);
      } finally {
        const i = stack.lastIndexOf(forked);
        if (i > 0) stack.splice(i, 1);
      }
    },
  };
}

/** Scope data with a one-off capture context on top. */
export function withCaptureContext(data: ScopeData, context: CaptureContext | undefined): ScopeData {
  if (!context) return data;
  return {
    ...data,
    tags: { ...data.tags, ...context.tags },
    extra: { ...data.extra, ...normalizeRecord(context.extra ?? {}) },
    contexts: { ...data.contexts, ...normalizeRecord(context.contexts ?? {}) } as ScopeData['contexts'],
    ...(context.user ? { user: { ...data.user, ...(normalizeRecord(context.user) as User) } } : {}),
    ...(context.fingerprint ? { fingerprint: context.fingerprint.map(String) } : {}),
    ...(context.level ? { level: context.level } : {}),
  };
}

/** Merges scope data into an event; the event's own values win over the scope's. */
export function applyScope(event: Event, data: ScopeData, maxBreadcrumbs: number): Event {
  const out: Event = { ...event };
  if (Object.keys(data.tags).length || event.tags) out.tags = { ...data.tags, ...event.tags };
  if (Object.keys(data.extra).length || event.extra) out.extra = { ...data.extra, ...event.extra };
  if (Object.keys(data.contexts).length || event.contexts) out.contexts = { ...data.contexts, ...event.contexts };
  if (data.flags?.length && !event.contexts?.flags)
    out.contexts = { ...out.contexts, flags: { values: data.flags.map((f) => ({ ...f })) } };
  if (data.user || event.user) out.user = { ...data.user, ...event.user };
  if (!event.fingerprint && data.fingerprint) out.fingerprint = data.fingerprint;
  if (!event.level && data.level) out.level = data.level;
  const all = [...data.breadcrumbs, ...(event.breadcrumbs ?? [])];
  const crumbs = maxBreadcrumbs > 0 ? all.slice(-maxBreadcrumbs) : [];
  if (crumbs.length) out.breadcrumbs = crumbs;
  else delete out.breadcrumbs;
  return out;
}
