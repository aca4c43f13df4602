// Query-string parameters of the issue list and bulk endpoints (pure): the search (`query`,
// default is:unresolved; extra `environment=` params; legacy `status=`), `sort`, `statsPeriod`.
import { HttpError } from '../api/errors.js';
import { isBigintId } from '../db/ids.js';
import type { IssueSort } from './read-queries.js';
import {
  DEFAULT_ISSUE_QUERY,
  MAX_SEARCH_LIST_VALUES,
  parseIssueSearch,
  SearchSyntaxError,
  type IssueSearch,
} from './search.js';
import type { StatsPeriod } from './serialize.js';

export type QueryParams = Record<string, string | string[] | undefined>;

export function allValues(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function searchFromParams(q: QueryParams): IssueSearch {
  const legacyStatus = first(q.status);
  const raw = first(q.query) ?? (legacyStatus ? `is:${legacyStatus}` : DEFAULT_ISSUE_QUERY);
  let search: IssueSearch;
  try {
    search = parseIssueSearch(raw);
  } catch (err) {
    if (err instanceof SearchSyntaxError)
      throw new HttpError(400, 'invalid-search', `invalid search query: ${err.message}`);
    throw err;
  }
  const environments = allValues(q.environment).filter((e) => e !== '');
  if (environments.length > MAX_SEARCH_LIST_VALUES)
    throw new HttpError(
      400,
      'invalid-environment',
      `too many environment parameters (${environments.length}): at most ${MAX_SEARCH_LIST_VALUES}`,
    );
  if (environments.length > 0)
    search.terms.push({ kind: 'tag', negated: false, key: 'environment', values: environments });
  return search;
}

const SORT_ALIASES: Record<string, IssueSort> = {
  date: 'date',
  new: 'new',
  freq: 'freq',
  user: 'user',
  // Sentry's ranking sorts have no equivalent here; recency is the closest.
  priority: 'date',
  trends: 'date',
  inbox: 'date',
};

export function parseSort(raw: string | undefined): IssueSort {
  if (raw === undefined || raw === '') return 'date';
  const sort = Object.hasOwn(SORT_ALIASES, raw) ? SORT_ALIASES[raw] : undefined; // not `__proto__` or `constructor`
  if (!sort)
    throw new HttpError(400, 'invalid-sort', `unsupported sort ${JSON.stringify(raw)}: use date, new, freq or user`);
  return sort;
}

const STATS_PERIODS = new Set<string>(['24h', '14d', '30d']);
const DURATION_RE = /^(\d{1,6})([smhdw])$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** Ten years: longer periods reach before any stored event (and past what a timestamp can subtract). */
const MAX_STATS_PERIOD_SECONDS = 3650 * 86400;

/** Which stat series to attach: none for '', 24h by default. */
export function statsPeriodsFromParam(raw: string | undefined): StatsPeriod[] {
  if (raw === undefined) return ['24h'];
  if (raw === '') return [];
  if (STATS_PERIODS.has(raw)) return [raw as StatsPeriod];
  const seconds = durationSeconds(raw);
  return [seconds <= 86400 ? '24h' : seconds <= 14 * 86400 ? '14d' : '30d'];
}

/** `statsPeriod` as a time range (organization issue search filters lastSeen by it). */
export function durationSeconds(raw: string): number {
  const m = DURATION_RE.exec(raw);
  if (!m)
    throw new HttpError(
      400,
      'invalid-stats-period',
      `invalid statsPeriod ${JSON.stringify(raw)}: use e.g. 24h, 14d or an empty value`,
    );
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  if (seconds > MAX_STATS_PERIOD_SECONDS)
    throw new HttpError(400, 'invalid-stats-period', `invalid statsPeriod ${JSON.stringify(raw)}: at most 3650d`);
  return seconds;
}

/** `id=1&id=2` as validated numeric ids, or undefined when there are none. */
export function idsFromParams(q: QueryParams): string[] | undefined {
  const ids = allValues(q.id);
  if (ids.length === 0) return undefined;
  for (const id of ids)
    if (!isBigintId(id)) throw new HttpError(400, 'invalid-issue-id', `invalid issue id ${JSON.stringify(id)}`);
  return ids;
}

/** Organization-wide endpoints: `project=<id>` params narrow to those projects (-1 or none = all). */
export function pickProjectIds(orgProjectIds: string[], q: QueryParams): string[] {
  const wanted = allValues(q.project).filter((p) => p !== '' && p !== '-1');
  return wanted.length === 0 ? orgProjectIds : orgProjectIds.filter((id) => wanted.includes(id));
}
