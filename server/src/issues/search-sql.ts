// Turns a parsed issue search (search.ts) into SQL conditions over `issues i` joined with
// `projects p`. Values always travel as $n parameters; tag filters read issue_tag_values
// (one row per issue, key and value), so `environment:` and `release:` mean "has events there".
// Each tag subquery ends in `OFFSET 0`, which keeps Postgres from pulling it up into a semi-join:
// pulled up, n terms make an n-way join whose planning grows combinatorially (200 terms planned
// for 106 s); kept as a subplan, each costs one index probe per candidate issue.
import type { AssignedTo, IssueSearch, SearchTerm } from './search.js';

/** Appends a parameter and returns its placeholder. */
export type Bind = (value: unknown) => string;

export function binder(params: unknown[]): Bind {
  return (value) => {
    params.push(value);
    return `$${params.length}`;
  };
}

/** Escapes LIKE wildcards; `*` in the input becomes `%` when wildcards are allowed. */
export function likePattern(value: string, opts: { wildcards: boolean }): string {
  const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`);
  return opts.wildcards ? escaped.replace(/\*/g, '%') : escaped;
}

export function searchConditions(search: IssueSearch, bind: Bind, callerUserId: string): string[] {
  return search.terms.map((term) => termCondition(term, bind, callerUserId));
}

function termCondition(term: SearchTerm, bind: Bind, callerUserId: string): string {
  const not = (sql: string) => (term.negated ? `NOT (${sql})` : sql);
  switch (term.kind) {
    case 'status': // one status with `=`, so the issue list walks its index in order (read-queries.ts)
      return not(
        term.statuses.length === 1
          ? `i.status = ${bind(term.statuses[0])}`
          : `i.status = ANY(${bind(term.statuses)}::text[])`,
      );
    case 'substatus':
      return not(`coalesce(i.substatus, '') = ANY(${bind(term.substatuses)}::text[])`);
    case 'level':
      return not(`i.level = ANY(${bind(term.values)}::text[])`);
    case 'assigned':
      return not(assignedCondition(term.to, bind, callerUserId));
    case 'has':
      return not(
        `EXISTS (SELECT 1 FROM issue_tag_values t WHERE t.issue_id = i.id AND t.key = ${bind(term.key)} OFFSET 0)`,
      );
    case 'tag':
      return not(tagCondition(term.key, term.values, bind));
    case 'text':
      return not(textCondition(term.value, bind));
  }
}

function assignedCondition(to: AssignedTo, bind: Bind, callerUserId: string): string {
  if (to === 'anyone') return '(i.assignee_user_id IS NOT NULL OR i.assignee_team_id IS NOT NULL)';
  const teamsOf = (users: string) =>
    `coalesce(i.assignee_team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.user_id IN (${users})), false)`;
  if (to === 'my_teams') return teamsOf(`${bind(callerUserId)}::bigint`);
  if (to === 'me') {
    const me = bind(callerUserId);
    return `(coalesce(i.assignee_user_id = ${me}::bigint, false) OR ${teamsOf(`${me}::bigint`)})`;
  }
  if ('teamSlug' in to)
    return `coalesce(i.assignee_team_id IN (SELECT t.id FROM teams t WHERE t.organization_id = p.organization_id AND t.slug = ${bind(to.teamSlug)}), false)`;
  const users = `SELECT u.id FROM users u WHERE lower(u.email) = lower(${bind(to.email)})`;
  return `(coalesce(i.assignee_user_id IN (${users}), false) OR ${teamsOf(users)})`;
}

function tagCondition(key: string, values: string[], bind: Bind): string {
  const exact = values.filter((v) => !v.includes('*'));
  const patterns = values.filter((v) => v.includes('*')).map((v) => likePattern(v, { wildcards: true }));
  // Exact values only: the issues holding them come from one scan of issue_tag_values_key_value_idx,
  // hashed once (a hashed subplan), instead of one probe per candidate issue — which X-Hits paid
  // for every issue of the project when few matched (docs/scaling.md). `IS TRUE` (the same, as
  // issue_id is never null) keeps the subplan hashed: as a bare IN Postgres turns it into a join
  // that fetches every issue holding the value (3,771 for a 3% server name), where the list only
  // needs the first 26 of its index walk.
  if (patterns.length === 0) {
    return `(i.id IN (SELECT t.issue_id FROM issue_tag_values t WHERE t.key = ${bind(key)} AND t.value = ANY(${bind(exact)}::text[]) OFFSET 0)) IS TRUE`;
  }
  const matches: string[] = [];
  if (exact.length > 0) matches.push(`t.value = ANY(${bind(exact)}::text[])`);
  for (const p of patterns) matches.push(`t.value LIKE ${bind(p)} ESCAPE '\\'`);
  return `EXISTS (SELECT 1 FROM issue_tag_values t WHERE t.issue_id = i.id AND t.key = ${bind(key)} AND (${matches.join(' OR ')}) OFFSET 0)`;
}

/**
 * Free text: a substring of the title or culprit, or the issue's exact short id (WEB-12). The
 * substring is looked up in issue_search_text's trigram indexes (migration 0200) and the matching
 * ids go in as an array, and the short id is compared as prefix and number, so the issue list
 * reads the matches by primary key and (project, short id) instead of every issue of the project.
 */
function textCondition(value: string, bind: Bind): string {
  const pattern = bind(`%${likePattern(value, { wildcards: false })}%`);
  const matches = `i.id = ANY(ARRAY(SELECT s.issue_id FROM issue_search_text s
      WHERE s.title ILIKE ${pattern} ESCAPE '\\' OR s.culprit ILIKE ${pattern} ESCAPE '\\'))`;
  const shortId = SHORT_ID.exec(value);
  if (!shortId) return `(${matches})`;
  return `(${matches} OR (i.short_id = ${bind(shortId[2])}::bigint AND p.short_id_prefix = upper(${bind(shortId[1])})))`;
}

/** A short id as the API shows it: the project's prefix (which may hold '-'), '-', the number. */
const SHORT_ID = /^(.+)-(0|[1-9][0-9]{0,17})$/;
