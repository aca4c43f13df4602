// What an alert says: a snapshot taken when the rule fires (issue, counts, the triggering event's
// error and top in-app frames, or the deploy), stored with each delivery so retries and digests
// send what was true at that moment. Pure builders; context-queries.ts loads the rows.

export interface AlertContent {
  ruleId: string | null;
  ruleName: string;
  reasons: string[];
  firedAt: string;
  project: { id: string; slug: string; name: string };
  organization: { slug: string };
  issue: IssueContent | null;
  event: EventContent | null;
  deploy: DeployContent | null;
  /** Suspect commits of the event, one line each ("sha by Author <email>: subject"). */
  suspects?: string[];
}

export interface IssueContent {
  id: string;
  shortId: string;
  title: string;
  culprit: string;
  level: string;
  status: string;
  count: number;
  userCount: number;
  firstSeen: string;
  lastSeen: string;
  url: string;
}

export interface EventContent {
  id: string;
  environment: string | null;
  release: string | null;
  errorType: string | null;
  errorValue: string | null;
  /** Newest first: "fn (file:line:col)". */
  frames: string[];
}

export interface DeployContent {
  id: string;
  environment: string | null;
  release: string | null;
  verdict: string | null;
  /** Set when the alert is about a feature-flag change (its audit-log entry), not a deploy. */
  flag?: string;
  /** One-line reasons the health check gave, when the deploy alert is about its verdict. */
  evidence: string[];
}

const MAX_FRAMES = 5;
const MAX_TEXT = 1000; // long exception messages are cut: an email is a pointer, not the event

export function issueUrl(baseUrl: string, orgSlug: string, issueId: string): string {
  return `${baseUrl}/organizations/${encodeURIComponent(orgSlug)}/issues/${encodeURIComponent(issueId)}/`;
}

interface PayloadFrame {
  function?: unknown;
  filename?: unknown;
  abs_path?: unknown;
  module?: unknown;
  lineno?: unknown;
  colno?: unknown;
  in_app?: unknown;
}

/** The main exception (the last value, per the protocol) and its newest in-app frames. */
export function eventContent(
  eventId: string,
  payload: Record<string, unknown> | null,
  fallback: { environment: string | null; release: string | null },
): EventContent {
  const values = (payload?.exception as { values?: unknown } | undefined)?.values;
  const main = Array.isArray(values) ? (values.at(-1) as Record<string, unknown> | undefined) : undefined;
  const rawFrames = (main?.stacktrace as { frames?: unknown } | undefined)?.frames;
  const frames = Array.isArray(rawFrames) ? (rawFrames as PayloadFrame[]).slice().reverse() : [];
  const inApp = frames.filter((f) => f.in_app === true);
  const logentry = payload?.logentry as { formatted?: unknown; message?: unknown } | undefined;
  const message = str(logentry?.formatted) ?? str(logentry?.message) ?? str(payload?.message);
  return {
    id: eventId,
    environment: str(payload?.environment) ?? fallback.environment,
    release: str(payload?.release) ?? fallback.release,
    errorType: str(main?.type),
    errorValue: clip(str(main?.value) ?? message),
    frames: (inApp.length > 0 ? inApp : frames).slice(0, MAX_FRAMES).map(formatFrame),
  };
}

function formatFrame(f: PayloadFrame): string {
  const where = str(f.filename) ?? str(f.abs_path) ?? str(f.module) ?? '?';
  const line = typeof f.lineno === 'number' ? `:${f.lineno}${typeof f.colno === 'number' ? `:${f.colno}` : ''}` : '';
  return `${str(f.function) ?? '<anonymous>'} (${where}${line})`;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function clip(v: string | null): string | null {
  return v !== null && v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT)}…` : v;
}
