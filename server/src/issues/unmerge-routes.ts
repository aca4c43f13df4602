// Unmerge routes: Sentry's PUT /issues/{id}/hashes/?id=HASH[&id=HASH] splits those hashes off into
// one new issue (202; the events follow in the background, unmerge-runner.ts), and
// GET /issues/{id}/unmerges/ shows the unmerges from or into the issue with their progress.
import type { ApiRouter } from '../api/context.js';
import type { ApiUnmerge } from '../api/types.js';
import type { Deps } from '../deps.js';
import { requireIssueParam, requireScope } from '../api/auth.js';
import { withTransaction } from '../db/tx.js';
import { ISSUE_PREFIXES } from './triage-routes.js';
import { parseUnmergeHashes, planUnmerge } from './unmerge.js';
import {
  countIssueEvents,
  findUnmergeSeed,
  startUnmerge,
  UNMERGE_COLUMNS,
  type UnmergeRow,
} from './unmerge-queries.js';

const LISTED_UNMERGES = 20;

export function registerUnmergeRoutes(router: ApiRouter, deps: Deps): void {
  for (const prefix of ISSUE_PREFIXES) {
    router.put(`${prefix}/hashes/`, async (ctx) => {
      requireScope(ctx, 'event:write');
      const requested = parseUnmergeHashes(ctx.query.id);
      const { issue, caller } = await requireIssueParam(ctx);
      if (requested.length === 0) {
        ctx.body = {}; // as Sentry: nothing asked, nothing done
        return;
      }
      // Read before the locks: the newest event of the hashes (the new issue's title) and the progress total.
      const [seed, eventTotal] = await Promise.all([
        findUnmergeSeed(deps.pool, issue.id, requested),
        countIssueEvents(deps.pool, issue.id),
      ]);
      const row = await withTransaction(deps.pool, (tx) =>
        startUnmerge(
          tx,
          {
            projectId: issue.projectId,
            sourceIssueId: issue.id,
            hashes: requested,
            actorUserId: caller.user.id,
            seed,
            eventTotal,
          },
          (own) => planUnmerge(requested, own),
        ),
      );
      ctx.status = 202;
      ctx.body = presentUnmerge(row);
    });

    router.get(`${prefix}/unmerges/`, async (ctx) => {
      requireScope(ctx, 'event:read');
      const { issue } = await requireIssueParam(ctx);
      const { rows } = await deps.pool.query<UnmergeRow>(
        `SELECT ${UNMERGE_COLUMNS} FROM issue_unmerges WHERE source_issue_id = $1 OR destination_issue_id = $1 ORDER BY id DESC LIMIT ${LISTED_UNMERGES}`,
        [issue.id],
      );
      ctx.body = rows.map(presentUnmerge);
    });
  }
}

export function presentUnmerge(u: UnmergeRow): ApiUnmerge {
  return {
    id: u.id,
    status: u.status,
    source: u.sourceIssueId,
    destination: u.destinationIssueId,
    hashes: u.hashes,
    eventTotal: u.eventTotal,
    scanned: u.scannedCount,
    moved: u.movedCount,
    dateCreated: u.createdAt.toISOString(),
    dateFinished: u.finishedAt ? u.finishedAt.toISOString() : null,
  };
}
