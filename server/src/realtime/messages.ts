// The live stream's message types (NounVerb), shared by the hub, the SSE route and the UI
// (which imports them as types only). One SSE frame carries one message; its `id` is the
// Redis stream entry id, so a reconnecting client resumes with Last-Event-ID.

/** A compact summary of one stored event: enough for a stream row, never the payload. */
export interface EventCreateMessage {
  type: 'EventCreate';
  eventId: string;
  project: { id: string; slug: string };
  issue: { id: string; shortId: string; title: string; culprit: string; isNew: boolean; isRegression: boolean };
  level: string;
  release: string | null;
  environment: string | null;
  serverName: string | null;
  /** The event's own timestamp (SDK clock), ISO 8601. */
  timestamp: string;
  /** When ingest accepted the event (server clock), ISO 8601: the start of the lag measurement. */
  receivedAt: string;
  /** When the worker published it after the batch commit, ISO 8601. */
  publishedAt: string;
  /** Sent from the buffer when the stream opened (backfill), not live. */
  earlier?: true;
}

export interface DeployCreateMessage {
  type: 'DeployCreate';
  deploy: {
    id: string;
    release: string;
    environment: string;
    name: string | null;
    url: string | null;
    dateStarted: string | null;
    dateFinished: string;
    projects: string[];
  };
  publishedAt: string;
  /** Sent from the buffer when the stream opened (backfill), not live. */
  earlier?: true;
}

/** A feature flag changed (the change-tracking webhook, flags/routes.ts): a marker like a deploy's. */
export interface FlagChangeMessage {
  type: 'FlagChange';
  change: {
    id: string;
    flag: string;
    action: 'created' | 'updated' | 'deleted';
    createdBy: string;
    createdAt: string;
    provider: string;
  };
  publishedAt: string;
  /** Sent from the buffer when the stream opened (backfill), not live. */
  earlier?: true;
}

export type StreamMessage = EventCreateMessage | DeployCreateMessage | FlagChangeMessage;

/** First frame of every connection: the server clock (for lag) and whether a resume had a gap. */
export interface StreamHello {
  type: 'StreamHello';
  serverTime: string;
  resumed: boolean;
  /** True when Last-Event-ID was older than the retained buffer: some messages were lost. */
  gap: boolean;
  /** How many buffered messages (marked `earlier`) follow this frame before the live ones. */
  backfill: number;
}

/** Connection filters; an empty list means "any". Deploy markers pass unless their project/environment is excluded. */
export interface StreamFilter {
  projects: string[];
  environments: string[];
  releases: string[];
  levels: string[];
}

/** Pure: whether a message passes the connection's filter (used by the server and the UI). */
export function matchesStreamFilter(m: StreamMessage, f: StreamFilter): boolean {
  if (m.type === 'FlagChange') return true; // flags are organization-wide: every view shows the marker
  if (m.type === 'DeployCreate') {
    const d = m.deploy;
    if (f.environments.length > 0 && !f.environments.includes(d.environment)) return false;
    if (f.projects.length > 0 && d.projects.length > 0 && !d.projects.some((p) => f.projects.includes(p))) return false;
    return true;
  }
  if (f.projects.length > 0 && !f.projects.includes(m.project.slug) && !f.projects.includes(m.project.id)) return false;
  if (f.environments.length > 0 && !f.environments.includes(m.environment ?? '')) return false;
  if (f.releases.length > 0 && !f.releases.includes(m.release ?? '')) return false;
  if (f.levels.length > 0 && !f.levels.includes(m.level)) return false;
  return true;
}
