// Issue triage: PUT one issue (/issues/{id}/) or many (/projects/{org}/{project}/issues/?id=1&id=2,
// or every issue a `query` matches, default is:unresolved, at most BULK_LIMIT — Sentry's bulk
// mutation), and DELETE likewise. sentry-cli `issues resolve|mute|unresolve` use the bulk PUT.
// A bulk PUT with {"merge": 1} also merges the selected issues (merge.ts, merge-queries.ts).
import type Koa from 'koa';
import type { Deps } from '../deps.js';
import type { ApiRouter, Caller } from '../api/context.js';
import { requireIssueParam, requireOrg, requireProject, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError } from '../api/errors.js';
import type { ApiAssignee } from '../api/types.js';
import { withTransaction } from '../db/tx.js';
import { listProjects } from '../projects/queries.js';
import { idsFromParams, pickProjectIds, searchFromParams } from './list-params.js';
import { presentIssueDetails } from './present.js';
import { resolutionColumnsFor, type ResolutionColumns } from '../releases/regressions.js';
import { listIssueIdsMatching, listLatestReleaseVersions } from './read-queries.js';
import {
  issueUpdateSchema,
  parseAssignee,
  planStatusChange,
  type IssueUpdate,
  type StatusChange,
} from './status-update.js';
import {
  deleteIssues,
  findMemberUser,
  findOrganizationTeam,
  updateIssueAssignees,
  updateIssueStatuses,
} from './update-queries.js';
import { planMerge, type MergeCandidate } from './merge.js';
import { mergeIssues } from './merge-queries.js';
import { hasRunningUnmerge } from './unmerge-queries.js';
import { unmergeInProgress } from './unmerge.js';

export const ISSUE_PREFIXES = ['/issues/:issueId', '/organizations/:org/issues/:issueId'] as const;

/** What a bulk PUT answers: the fields it changed (Sentry's shape) and, with {"merge": 1}, the merge. */
export interface ApiIssueBulkUpdate {
  [field: string]: unknown;
  merge?: { parent: string; children: string[] };
}
const BULK_LIMIT = 1000; // as Sentry: larger changes should narrow the query

export function registerIssueTriageRoutes(router: ApiRouter, deps: Deps): void {
  for (const prefix of ISSUE_PREFIXES) {
    router.put(`${prefix}/`, async (ctx) => {
      requireScope(ctx, 'event:write');
      const update = parseBody(ctx, issueUpdateSchema);
      const access = await requireIssueParam(ctx);
      const issues = [{ id: access.issue.id, projectId: access.issue.projectId }];
      await applyUpdate(deps, { organizationId: access.org.id, issues, update, caller: access.caller });
      const fresh = await requireIssueParam(ctx);
      ctx.body = await presentIssueDetails(deps.pool, fresh.issue, {
        baseUrl: deps.config.http.baseUrl,
        now: new Date(),
      });
    });

    router.delete(`${prefix}/`, async (ctx) => {
      requireScope(ctx, 'event:admin');
      const { issue } = await requireIssueParam(ctx);
      await withTransaction(deps.pool, (tx) => deleteIssues(tx, [issue.id]));
      ctx.status = 202;
    });
  }

  const bulkUpdate = async (ctx: Koa.Context, target: BulkTarget) => {
    const update = parseBody(ctx, issueUpdateSchema);
    const issues = await matchingIssues(deps, ctx, target);
    if (issues.length === 0) {
      ctx.status = 204;
      return;
    }
    const merge = update.merge ? planMerge(issues) : null; // validated before anything is written
    if (merge && (await hasRunningUnmerge(deps.pool, [merge.parentId, ...merge.childIds]))) throw unmergeInProgress();
    const result: ApiIssueBulkUpdate = await applyUpdate(deps, {
      organizationId: target.organizationId,
      issues,
      update,
      caller: target.caller,
    });
    if (merge) {
      await withTransaction(deps.pool, (tx) => mergeIssues(tx, { ...merge, actorUserId: target.caller.user.id }));
      result.merge = { parent: merge.parentId, children: merge.childIds };
    }
    ctx.body = result;
  };
  const bulkDelete = async (ctx: Koa.Context, target: BulkTarget) => {
    if (ctx.query.id === undefined && ctx.query.query === undefined) {
      throw new HttpError(400, 'missing-filter', 'bulk delete needs id=… or query=… parameters');
    }
    const issues = await matchingIssues(deps, ctx, target);
    if (issues.length === 0) {
      ctx.status = 204;
      return;
    }
    await withTransaction(deps.pool, (tx) =>
      deleteIssues(
        tx,
        issues.map((i) => i.id),
      ),
    );
    ctx.status = 202;
  };

  router.put('/projects/:org/:project/issues/', async (ctx) =>
    bulkUpdate(ctx, await projectTarget(ctx, 'event:write')),
  );
  router.delete('/projects/:org/:project/issues/', async (ctx) =>
    bulkDelete(ctx, await projectTarget(ctx, 'event:admin')),
  );
  router.put('/organizations/:org/issues/', async (ctx) => bulkUpdate(ctx, await orgTarget(deps, ctx, 'event:write')));
  router.delete('/organizations/:org/issues/', async (ctx) =>
    bulkDelete(ctx, await orgTarget(deps, ctx, 'event:admin')),
  );
}

interface IssueTarget {
  id: string;
  projectId: string;
}

interface BulkTarget {
  organizationId: string;
  projectIds: string[];
  caller: Caller;
}

async function projectTarget(
  ctx: Koa.Context & { params: Record<string, string> },
  scope: 'event:write' | 'event:admin',
): Promise<BulkTarget> {
  requireScope(ctx, scope);
  const { org, project, caller } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
  return { organizationId: org.id, projectIds: [project.id], caller };
}

async function orgTarget(
  deps: Deps,
  ctx: Koa.Context & { params: Record<string, string> },
  scope: 'event:write' | 'event:admin',
): Promise<BulkTarget> {
  requireScope(ctx, scope);
  const { org, caller } = await requireOrg(ctx, ctx.params.org!);
  const projectIds = pickProjectIds(
    (await listProjects(deps.pool, org.id)).map((p) => p.id),
    ctx.query,
  );
  return { organizationId: org.id, projectIds, caller };
}

/** `id=` params pick issues (within the target); without them the search query does. */
async function matchingIssues(deps: Deps, ctx: Koa.Context, target: BulkTarget): Promise<MergeCandidate[]> {
  const ids = idsFromParams(ctx.query);
  const search = ids ? { terms: [] } : searchFromParams(ctx.query);
  return listIssueIdsMatching(deps.pool, {
    projectIds: target.projectIds,
    search,
    callerUserId: target.caller.user.id,
    ids,
    limit: BULK_LIMIT,
  });
}

/**
 * Writes a status and/or assignee change in one transaction; answers with what changed.
 * A resolve is written per project: "in next release" / "latest" depend on its newest release.
 */
async function applyUpdate(
  deps: Deps,
  args: { organizationId: string; issues: IssueTarget[]; update: IssueUpdate; caller: Caller },
): Promise<Record<string, unknown>> {
  const change = planStatusChange(args.update, new Date());
  const assignee =
    args.update.assignedTo !== undefined
      ? await resolveAssignee(deps, args.organizationId, args.update.assignedTo)
      : undefined;
  const byProject = new Map<string, IssueTarget[]>();
  for (const i of args.issues) byProject.set(i.projectId, [...(byProject.get(i.projectId) ?? []), i]);
  const latest = change?.resolution
    ? await listLatestReleaseVersions(deps.pool, [...byProject.keys()])
    : new Map<string, string>();
  const plans = [...byProject].map(([projectId, issues]) => {
    const resolution = resolutionColumnsFor(change?.resolution ?? {}, latest.get(projectId) ?? null);
    return { ids: issues.map((i) => i.id), resolution };
  });
  await withTransaction(deps.pool, async (tx) => {
    for (const plan of plans) {
      if (change)
        await updateIssueStatuses(tx, {
          ids: plan.ids,
          change,
          resolution: plan.resolution,
          activityData: activityData(change, plan.resolution),
          actorUserId: args.caller.user.id,
        });
      if (assignee !== undefined)
        await updateIssueAssignees(tx, {
          ids: plan.ids,
          assignee: assignee ? { type: assignee.type, id: assignee.id } : null,
          actorUserId: args.caller.user.id,
        });
    }
  });
  const result: Record<string, unknown> = {};
  if (change) {
    const first = plans[0]!.resolution;
    const statusDetails =
      change.status === 'ignored' ? change.ignoreDetails : change.status === 'resolved' ? resolutionDetails(first) : {};
    Object.assign(result, { status: change.status, substatus: change.substatus, statusDetails, inbox: null });
  }
  if (assignee !== undefined) result.assignedTo = assignee;
  return result;
}

function resolutionDetails(r: ResolutionColumns): Record<string, unknown> {
  if (r.resolvedInNextRelease) return { inNextRelease: true };
  return r.resolvedInRelease ? { inRelease: r.resolvedInRelease } : {};
}

/** The activity records what was written: without a release to pin, a resolve is plain. */
function activityData(change: StatusChange, r: ResolutionColumns): Record<string, unknown> {
  if (change.status !== 'resolved') return change.activity.data;
  if (r.resolvedInNextRelease) return { inNextRelease: true, afterRelease: r.resolvedAfterRelease };
  return r.resolvedInRelease ? { version: r.resolvedInRelease } : {};
}

/** The assignee in Sentry's actor shape: a member, or a team of this organization. */
async function resolveAssignee(deps: Deps, organizationId: string, value: string | null): Promise<ApiAssignee | null> {
  const ref = parseAssignee(value);
  if (ref === null)
    throw new HttpError(400, 'invalid-assignee', 'assignedTo: expected user:<id>, team:<id>, an e-mail or ""');
  if (ref.kind === 'none') return null;
  if (ref.kind === 'team') {
    const team = await findOrganizationTeam(deps.pool, { organizationId, id: ref.id });
    if (!team) throw new HttpError(400, 'unknown-assignee', 'assignedTo: the team is not a team of this organization');
    return { type: 'team', id: team.id, name: team.slug };
  }
  const user = await findMemberUser(deps.pool, {
    organizationId,
    ...(ref.kind === 'user' ? { id: ref.id } : { email: ref.email }),
  });
  if (!user)
    throw new HttpError(400, 'unknown-assignee', 'assignedTo: the assignee is not a member of this organization');
  return { type: 'user', id: user.id, name: user.name || user.email, email: user.email };
}
