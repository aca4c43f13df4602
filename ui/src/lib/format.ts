// Display formatting for counts, times, durations and levels. Pure: callers pass `now`.

const UNITS: Array<[number, string]> = [
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** 999 → "999", 1234 → "1.2k", 15300 → "15k", 2500000 → "2.5M". Accepts Sentry's string counts. */
export function formatCount(input: number | string): string {
  const n = typeof input === 'string' ? Number(input) : input;
  if (!Number.isFinite(n)) return '0';
  for (const [size, unit] of UNITS) {
    if (Math.abs(n) >= size) {
      const v = n / size;
      const text = Math.abs(v) >= 10 ? String(Math.floor(v)) : (Math.floor(v * 10) / 10).toString();
      return `${text}${unit}`;
    }
  }
  return String(Math.round(n));
}

function toMs(t: string | number | Date): number {
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'number') return t;
  return Date.parse(t);
}

/** "just now", "45s ago", "3m ago", "5h ago", "2d ago", then a date; future times say "in …". */
export function formatRelative(t: string | number | Date, now: number): string {
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return '—';
  const diff = now - ms;
  const abs = Math.abs(diff);
  const suffix = (s: string) => (diff >= 0 ? `${s} ago` : `in ${s}`);
  if (abs < 5_000) return 'just now';
  if (abs < 60_000) return suffix(`${Math.floor(abs / 1000)}s`);
  if (abs < 3_600_000) return suffix(`${Math.floor(abs / 60_000)}m`);
  if (abs < 86_400_000) return suffix(`${Math.floor(abs / 3_600_000)}h`);
  if (abs < 30 * 86_400_000) return suffix(`${Math.floor(abs / 86_400_000)}d`);
  return formatDate(ms);
}

/** How long ago something started: "new" (< 5 s), "7s old", "3d old", or a date when older. */
export function formatAge(t: string | number | Date, now: number): string {
  const rel = formatRelative(t, now);
  if (rel === 'just now') return 'new';
  return rel.endsWith(' ago') ? `${rel.slice(0, -4)} old` : rel;
}

/** ISO-like UTC date: "2026-11-26". */
export function formatDate(t: string | number | Date): string {
  const ms = toMs(t);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : '—';
}

/** "2026-11-26 14:03:07 UTC": absolute times are always shown in UTC, with the zone named. */
export function formatDateTime(t: string | number | Date): string {
  const ms = toMs(t);
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '—';
}

/** "14:03:07.123" (UTC), for breadcrumbs and stream rows. */
export function formatClock(t: string | number | Date): string {
  const ms = toMs(t);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 23) : '—';
}

/** 0.4 → "0 ms", 87 → "87 ms", 1530 → "1.53 s", 125000 → "2m 5s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m ${Math.round((ms % 60_000) / 1000)}s`;
}

export const LEVELS = ['fatal', 'error', 'warning', 'info', 'debug'] as const;

/** Normalizes SDK level spellings ("warn", "critical") to the five Sentry levels. */
export function normalizeLevel(level: string | null | undefined): (typeof LEVELS)[number] {
  const l = (level ?? '').toLowerCase();
  if (l === 'warn') return 'warning';
  if (l === 'critical') return 'fatal';
  if (l === 'log') return 'info';
  return (LEVELS as readonly string[]).includes(l) ? (l as (typeof LEVELS)[number]) : 'error';
}

/** Shortens long strings in the middle so both ends stay readable (file paths, releases). */
export function truncateMiddle(s: string, max: number): string {
  if (s.length <= max || max < 5) return s;
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  return `${s.slice(0, head)}…${s.slice(s.length - (keep - head))}`;
}

/** Renders any JSON-ish value as display text (never HTML): strings as-is, others as JSON. */
export function displayValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}

/** Splits an issue title for display: exception type in bold, then its value. */
export function issueHeadline(issue: { title: string; metadata: Record<string, unknown> }): {
  main: string;
  rest: string;
} {
  const type = issue.metadata.type;
  const value = issue.metadata.value;
  if (typeof type === 'string' && type) return { main: type, rest: typeof value === 'string' ? value : '' };
  const i = issue.title.indexOf(': ');
  if (i > 0 && i < 80) return { main: issue.title.slice(0, i), rest: issue.title.slice(i + 2) };
  return { main: issue.title, rest: '' };
}

/**
 * The observed change of a rate, after vs before, as shown next to a verdict (the verdict's own
 * ratio is smoothed for its test, which in the first seconds after a change reads as a jump).
 */
export function formatRateChange(before: number, after: number): string {
  if (before > 0) return `×${Math.round((after / before) * 100) / 100}`;
  return after > 0 ? 'new' : '—';
}

/** An issue's assignee as shown: a team as "#slug" (Sentry's team `name` is the slug), a person by name. */
export function assigneeLabel(a: { type: 'user' | 'team'; name: string; email?: string }): string {
  return a.type === 'team' ? `#${a.name}` : a.name || a.email || '';
}

/** The assignee picker's value for an assignee, as the API's assignedTo takes it. */
export function assigneeValue(a: { type: 'user' | 'team'; id: string } | null): string {
  return a ? `${a.type}:${a.id}` : '';
}
