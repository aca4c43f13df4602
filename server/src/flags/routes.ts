// Feature-flag API: an issue's flag evaluations and suspect flags (Sentry's
// /issues/{id}/suspect/flags/ shape), the organization's change-tracking signing secrets, the
// generic change-tracking webhook (HMAC-signed, webhook.ts), the audit log and each change's verdict.
import type Koa from 'koa';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { apiState } from '../api/context.js';
import { requireIssueParam, requireOrg, requireRole, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import { firstValue, parseLimit } from '../api/pagination.js';
import { findOrganizationBySlug } from '../organizations/queries.js';
import { publishToStream } from '../realtime/hub.js';
import type { FlagChangeMessage } from '../realtime/messages.js';
import { ISSUE_PREFIXES } from '../issues/triage-routes.js';
import type { IssueRow } from '../issues/read-queries.js';
import { computeChangeHealth } from './change-health.js';
import {
  deleteSigningSecret,
  findAuditLog,
  findSigningSecret,
  insertAuditLogs,
  listAuditLogs,
  listSigningSecrets,
  upsertSigningSecret,
  type AuditLogRow,
  type SigningSecretRow,
} from './log-queries.js';
import { listIssueFlagValues, listProjectFlagValues } from './queries.js';
import { flagRows, scoreSuspectFlags, type FlagRow, type SuspectScore } from './suspect.js';
import { genericAuditRows, genericPayloadSchema, isValidSignature, SIGNATURE_HEADER } from './webhook.js';

const MAX_ISSUE_FLAGS = 100; // the flags an event can carry at most (evaluations.ts)
const PROVIDERS = ['generic'] as const;

const secretSchema = z.object({
  provider: z.enum(PROVIDERS),
  secret: z
    .string()
    .min(16, 'use at least 16 characters')
    .max(256)
    .refine((s) => !/\s/.test(s), 'no whitespace'),
});

export function registerFlagRoutes(router: ApiRouter, deps: Deps): void {
  for (const prefix of ISSUE_PREFIXES) {
    router.get(`${prefix}/flags/`, async (ctx) => {
      requireScope(ctx, 'event:read');
      const { issue } = await requireIssueParam(ctx);
      const rows = await issueFlagRows(deps, issue);
      const body: ApiIssueFlags = {
        data: rows,
        window: { start: issue.firstSeen.toISOString(), end: issue.lastSeen.toISOString() },
      };
      ctx.body = body;
    });

    router.get(`${prefix}/suspect/flags/`, async (ctx) => {
      requireScope(ctx, 'event:read');
      const { issue } = await requireIssueParam(ctx);
      const body: ApiFlagList<SuspectScore> = { data: scoreSuspectFlags(await issueFlagRows(deps, issue)) };
      ctx.body = body;
    });
  }

  router.get('/organizations/:org/flags/signing-secrets/', async (ctx) => {
    requireScope(ctx, 'org:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const rows = await listSigningSecrets(deps.pool, org.id);
    const body: ApiFlagList<ApiSigningSecret> = { data: rows.map(serializeSigningSecret) };
    ctx.body = body;
  });

  router.post('/organizations/:org/flags/signing-secrets/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const access = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    const body = parseBody(ctx, secretSchema);
    const row = await upsertSigningSecret(deps.pool, {
      organizationId: access.org.id,
      provider: body.provider,
      secret: body.secret,
      createdBy: access.caller.user.id,
    });
    ctx.status = 201;
    ctx.body = serializeSigningSecret(row);
  });

  router.delete('/organizations/:org/flags/signing-secrets/:id/', async (ctx) => {
    requireScope(ctx, 'org:write');
    const access = requireRole(await requireOrg(ctx, ctx.params.org!), 'owner', 'admin');
    if (!/^\d{1,18}$/.test(ctx.params.id!) || !(await deleteSigningSecret(deps.pool, access.org.id, ctx.params.id!))) {
      throw new NotFoundError('signing-secret-not-found', 'signing secret not found');
    }
    ctx.status = 204;
  });

  // The provider calls this without a user: the organization's signing secret authenticates it.
  router.post('/organizations/:org/flags/hooks/provider/:provider/', async (ctx) => {
    ctx.body = await acceptWebhook(ctx, deps, ctx.params.org!, ctx.params.provider!);
  });

  router.get('/organizations/:org/flags/logs/', async (ctx) => {
    requireScope(ctx, 'org:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const flags = ([] as string[])
      .concat(ctx.query.flag ?? [])
      .filter((f) => f !== '')
      .slice(0, 100);
    const rows = await listAuditLogs(deps.pool, {
      organizationId: org.id,
      flags: flags.length > 0 ? flags : null,
      from: dateParam(firstValue(ctx.query.start), 'start'),
      to: dateParam(firstValue(ctx.query.end), 'end'),
      limit: parseLimit(ctx.query, 100, 1000),
    });
    const body: ApiFlagList<ApiFlagLog> = { data: rows.map(serializeLog) };
    ctx.body = body;
  });

  router.get('/organizations/:org/flags/logs/:id/', async (ctx) => {
    requireScope(ctx, 'org:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    ctx.body = { data: serializeLog(await getLog(deps, org.id, ctx.params.id!)) };
  });

  router.get('/organizations/:org/flags/logs/:id/health/', async (ctx) => {
    requireScope(ctx, 'org:read');
    const { org } = await requireOrg(ctx, ctx.params.org!);
    const log = await getLog(deps, org.id, ctx.params.id!);
    ctx.body = await computeChangeHealth(deps.pool, log, new Date(), { store: !log.isVerdictFinal });
  });
}

async function acceptWebhook(
  ctx: Koa.Context,
  deps: Deps,
  orgSlug: string,
  provider: string,
): Promise<{ data: ReturnType<typeof serializeLog>[] }> {
  if (!(PROVIDERS as readonly string[]).includes(provider))
    throw new NotFoundError(
      'unknown-provider',
      `unknown flag provider ${JSON.stringify(provider.slice(0, 40))}: use "generic"`,
    );
  const org = await findOrganizationBySlug(deps.pool, orgSlug);
  if (!org) throw new NotFoundError('organization-not-found', 'organization not found');
  const raw = apiState(ctx).rawBody;
  if (raw === undefined)
    throw new HttpError(400, 'missing-body', 'send the change as a JSON body (Content-Type: application/json)');
  const secret = await findSigningSecret(deps.pool, org.id, provider);
  if (secret === null) {
    throw new HttpError(
      403,
      'signing-secret-not-configured',
      `no ${provider} signing secret is set for this organization: set one in its feature-flag settings (or POST …/flags/signing-secrets/) first`,
    );
  }
  if (!isValidSignature(secret, raw, ctx.get(SIGNATURE_HEADER) || undefined)) {
    throw new HttpError(
      401,
      'invalid-signature',
      'X-Sentry-Signature must be the hex HMAC-SHA256 of the request body keyed with the signing secret',
    );
  }
  const rows = await insertAuditLogs(
    deps.pool,
    org.id,
    genericAuditRows(genericPayloadSchema.parse(apiState(ctx).body)),
  );
  await announceChanges(deps, org.id, rows);
  return { data: rows.map(serializeLog) };
}

/** Flag-change markers on the live stream; a Redis hiccup must not fail the stored webhook. */
async function announceChanges(deps: Deps, organizationId: string, rows: AuditLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const publishedAt = new Date().toISOString();
  const messages: FlagChangeMessage[] = rows.map((r) => ({
    type: 'FlagChange',
    change: {
      id: r.id,
      flag: r.flag,
      action: r.action,
      createdBy: r.createdBy,
      createdAt: r.createdAt.toISOString(),
      provider: r.provider,
    },
    publishedAt,
  }));
  try {
    await publishToStream(
      deps.redis,
      { prefix: deps.config.redis.prefix, bufferSize: deps.config.realtime.bufferSize },
      organizationId,
      messages,
    );
  } catch (err) {
    deps.log.warn(
      { err, component: 'flags.webhook', organizationId },
      'publishing flag changes to the live stream failed',
    );
  }
}

async function issueFlagRows(deps: Deps, issue: IssueRow): Promise<FlagRow[]> {
  const values = await listIssueFlagValues(deps.pool, issue.id, MAX_ISSUE_FLAGS);
  const flags = [...new Set(values.map((v) => v.flag))];
  const project = await listProjectFlagValues(deps.pool, {
    projectId: issue.project.id,
    flags,
    from: issue.firstSeen,
    to: new Date(issue.lastSeen.getTime() + 1),
  });
  return flagRows(values, project);
}

async function getLog(deps: Deps, organizationId: string, id: string): Promise<AuditLogRow> {
  const log = await findAuditLog(deps.pool, organizationId, id);
  if (!log) throw new NotFoundError('flag-log-not-found', 'flag audit log entry not found');
  return log;
}

/** The flags API wraps its lists as Sentry's does: `{ data: [...] }`. */
export interface ApiFlagList<T> {
  data: T[];
}

/** GET …/issues/{id}/flags/: the flag values of the issue's events, over the issue's lifetime. */
export interface ApiIssueFlags extends ApiFlagList<FlagRow> {
  window: { start: string; end: string };
}

/** A webhook signing secret as listed and created: the secret itself only masked. */
export interface ApiSigningSecret {
  id: string;
  provider: string;
  createdBy: string | null;
  createdAt: string;
  secret: string;
}

function serializeSigningSecret(r: SigningSecretRow): ApiSigningSecret {
  return {
    id: r.id,
    provider: r.provider,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    secret: mask(r.secret),
  };
}

/** An audit-log entry as the API answers it (Sentry's fields plus the change's verdict). */
export interface ApiFlagLog {
  id: string;
  action: AuditLogRow['action'];
  createdAt: string;
  createdBy: string;
  createdByType: AuditLogRow['createdByType'];
  flag: string;
  provider: string;
  tags: Record<string, string>;
  verdict: string | null;
}

export function serializeLog(r: AuditLogRow): ApiFlagLog {
  return {
    id: r.id,
    action: r.action,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
    createdByType: r.createdByType,
    flag: r.flag,
    provider: r.provider,
    tags: r.tags,
    verdict: r.verdict,
  };
}

function mask(secret: string): string {
  return `${secret.slice(0, 4)}${'*'.repeat(Math.min(20, Math.max(4, secret.length - 4)))}`;
}

function dateParam(v: string | undefined, name: string): Date | null {
  if (v === undefined || v === '') return null;
  const d = new Date(v.length <= 64 ? v : 'x');
  if (Number.isNaN(d.getTime())) throw new HttpError(400, 'invalid-date', `${name} must be an ISO 8601 date`);
  return d;
}
