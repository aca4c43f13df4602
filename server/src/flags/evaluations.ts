// Flag evaluations on events (pure). SDKs put them in the `flags` context:
// `{"values": [{"flag": "new-checkout", "result": true}, ...]}` (featureFlagsIntegration and the
// LaunchDarkly, OpenFeature, Unleash and Statsig integrations). The normalize stage bounds the
// context (boundFlagsContext); the tag stage reads the stored pairs back (eventFlags), after scrub.
import type { NormalizedEvent } from '../shared/protocol/event.js';

/** Sentry's SDKs keep the last 100 evaluations per scope; more is not a real client. */
export const MAX_FLAGS_PER_EVENT = 100;
/** Flag keys of providers are short (Sentry's webhook accepts 100 chars); longer ones are dropped, not cut, so two flags never merge. */
export const MAX_FLAG_NAME_CHARS = 200;
/** Results are booleans in practice; string variants are kept up to this length. */
export const MAX_FLAG_RESULT_CHARS = 200;

export interface FlagEvaluation {
  flag: string;
  result: boolean | string | number;
}

/**
 * Replaces `contexts.flags` with its valid evaluations (the last MAX_FLAGS_PER_EVENT, newest
 * evaluation of a flag wins) and records what was dropped in `event.errors`, as Relay does for
 * invalid data. Never throws: a bad flags context must not cost the event.
 */
export function boundFlagsContext(event: NormalizedEvent, rawContext?: unknown): void {
  const ctx = event.contexts?.flags;
  if (ctx === undefined) {
    // normalizeContexts drops a context that is not an object; say so, as for a bad list.
    if (rawContext !== undefined && rawContext !== null)
      addProblems(event, [`contexts.flags must be an object {"values": [...]}, got ${describe(rawContext)}`]);
    return;
  }
  const problems: string[] = [];
  const raw = ctx.values;
  let values: FlagEvaluation[] = [];
  if (!Array.isArray(raw))
    problems.push(`contexts.flags.values must be a list of {flag, result}, got ${describe(raw)}`);
  else values = validEvaluations(raw, problems);
  event.contexts!.flags = { type: 'flags', values };
  addProblems(event, problems);
}

function addProblems(event: NormalizedEvent, problems: string[]): void {
  if (problems.length === 0) return;
  const existing = Array.isArray(event.errors) ? (event.errors as unknown[]) : [];
  event.errors = [...existing, ...problems.map((reason) => ({ type: 'invalid_data', name: 'contexts.flags', reason }))];
}

function validEvaluations(raw: unknown[], problems: string[]): FlagEvaluation[] {
  // Scan only the newest entries: the SDK appends, so the last ones are the latest evaluations.
  const scanFrom = Math.max(0, raw.length - MAX_FLAGS_PER_EVENT * 4);
  if (raw.length > MAX_FLAGS_PER_EVENT)
    problems.push(`${raw.length} flag evaluations: kept the last ${MAX_FLAGS_PER_EVENT}`);
  const byFlag = new Map<string, FlagEvaluation>();
  let invalid = 0;
  for (let i = raw.length - 1; i >= scanFrom && byFlag.size < MAX_FLAGS_PER_EVENT; i--) {
    const item = raw[i];
    const flag = item && typeof item === 'object' ? (item as { flag?: unknown }).flag : undefined;
    const result = item && typeof item === 'object' ? (item as { result?: unknown }).result : undefined;
    if (typeof flag !== 'string' || flag.trim() === '' || flag.length > MAX_FLAG_NAME_CHARS || !isResult(result)) {
      invalid++;
      continue;
    }
    if (!byFlag.has(flag)) byFlag.set(flag, { flag, result });
  }
  if (invalid > 0)
    problems.push(
      `${invalid} flag evaluation(s) dropped: each needs a flag name of 1-${MAX_FLAG_NAME_CHARS} characters and a boolean, number or short string result`,
    );
  return [...byFlag.values()].reverse();
}

function isResult(v: unknown): v is FlagEvaluation['result'] {
  if (typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  return typeof v === 'string' && v.length <= MAX_FLAG_RESULT_CHARS;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  return Array.isArray(v) ? 'a list' : typeof v;
}

/**
 * The (flag, result) pairs an event is counted under; results as text ('true', 'false', …). Takes
 * the event in the pipeline or as stored (events.payload), so unmerge recounts exactly as counted.
 */
export function eventFlags(event: NormalizedEvent | Record<string, unknown>): Array<[string, string]> {
  const contexts: unknown = event.contexts;
  const flags: unknown = contexts && typeof contexts === 'object' ? (contexts as { flags?: unknown }).flags : undefined;
  const values: unknown = flags && typeof flags === 'object' ? (flags as { values?: unknown }).values : undefined;
  if (!Array.isArray(values)) return [];
  const out: Array<[string, string]> = [];
  for (const v of values as unknown[]) {
    if (!v || typeof v !== 'object') continue;
    const { flag, result } = v as { flag?: unknown; result?: unknown };
    if (typeof flag === 'string' && isResult(result)) out.push([flag, String(result)]);
    if (out.length >= MAX_FLAGS_PER_EVENT) break;
  }
  return out;
}
