// Inbound data filters of a project, in Sentry's shapes (docs.sentry.io/api/projects/):
//   GET /api/0/projects/{org}/{project}/filters/             [{id, active}, …]; legacy-browsers'
//        `active` is false or its subfilters; the pattern filters also carry `patterns`
//   PUT /api/0/projects/{org}/{project}/filters/{filter_id}/ {active?, subfilters?, patterns?} → 204
//   PUT /api/0/projects/{org}/{project}/filters/             partial settings object → the list
// The worker reads the settings per batch; ingest gets them with the key (published change).
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRouter } from '../api/context.js';
import { requireProject, requireRole, requireScope } from '../api/auth.js';
import { parseBody } from '../api/body.js';
import { HttpError, NotFoundError } from '../api/errors.js';
import { FILTER_LIMITS, LEGACY_BROWSERS, type InboundFilterSettings } from '../shared/filters/settings.js';
import { listInboundFilters, updateInboundFilters } from './protection-queries.js';
import { ALL_KEYS, publishKeyChange } from '../shared/key-changes.js';

const patterns = z.array(z.string().min(1).max(FILTER_LIMITS.maxPatternChars)).max(FILTER_LIMITS.maxPatterns);
const settingsSchema = z
  .object({
    localhost: z.boolean(),
    browserExtensions: z.boolean(),
    webCrawlers: z.boolean(),
    legacyBrowsers: z.array(z.enum(LEGACY_BROWSERS)),
    errorMessages: patterns,
    releases: patterns,
    environments: patterns,
  })
  .partial()
  .strict();
const toggleSchema = z
  .object({
    active: z.boolean().optional(),
    subfilters: z.array(z.enum(LEGACY_BROWSERS)).optional(),
    patterns: patterns.optional(),
  })
  .strict();

type FilterId =
  | 'browser-extensions'
  | 'localhost'
  | 'legacy-browsers'
  | 'web-crawlers'
  | 'error-messages'
  | 'releases'
  | 'environments';
const TOGGLES = {
  'browser-extensions': 'browserExtensions',
  localhost: 'localhost',
  'web-crawlers': 'webCrawlers',
} as const;
const PATTERNS = { 'error-messages': 'errorMessages', releases: 'releases', environments: 'environments' } as const;

export interface ApiInboundFilter {
  id: FilterId;
  active: boolean | string[];
  patterns?: string[];
}

export function serializeFilters(s: InboundFilterSettings): ApiInboundFilter[] {
  return [
    { id: 'browser-extensions', active: s.browserExtensions },
    { id: 'localhost', active: s.localhost },
    { id: 'legacy-browsers', active: s.legacyBrowsers.length > 0 ? [...s.legacyBrowsers] : false },
    { id: 'web-crawlers', active: s.webCrawlers },
    { id: 'error-messages', active: s.errorMessages.length > 0, patterns: [...s.errorMessages] },
    { id: 'releases', active: s.releases.length > 0, patterns: [...s.releases] },
    { id: 'environments', active: s.environments.length > 0, patterns: [...s.environments] },
  ];
}

/** One filter's Sentry-style change applied to the settings. */
function applyToggle(s: InboundFilterSettings, id: string, body: z.infer<typeof toggleSchema>): InboundFilterSettings {
  if (id in TOGGLES) return { ...s, [TOGGLES[id as keyof typeof TOGGLES]]: body.active ?? false };
  if (id === 'legacy-browsers') return { ...s, legacyBrowsers: body.subfilters ?? (body.active ? ['default'] : []) };
  if (id in PATTERNS) {
    const field = PATTERNS[id as keyof typeof PATTERNS];
    return { ...s, [field]: body.active === false ? [] : (body.patterns ?? s[field]) };
  }
  throw new NotFoundError('filter-not-found', `unknown inbound filter "${id}"`);
}

export function registerInboundFilterRoutes(router: ApiRouter, deps: Deps): void {
  const load = async (projectId: string) => (await listInboundFilters(deps.pool, [projectId])).get(projectId)!;
  const save = async (projectId: string, s: InboundFilterSettings) => {
    await updateInboundFilters(deps.pool, projectId, s);
    await publishKeyChange(deps.redis, deps.config.redis.prefix, ALL_KEYS, deps.log);
  };

  router.get('/projects/:org/:project/filters/', async (ctx) => {
    requireScope(ctx, 'project:read');
    const { project } = await requireProject(ctx, ctx.params.org!, ctx.params.project!);
    ctx.body = serializeFilters(await load(project.id));
  });

  router.put('/projects/:org/:project/filters/', async (ctx) => {
    requireScope(ctx, 'project:write');
    const { project } = requireRole(await requireProject(ctx, ctx.params.org!, ctx.params.project!), 'owner', 'admin');
    const patch = parseBody(ctx, settingsSchema);
    const next = { ...(await load(project.id)), ...patch };
    await save(project.id, next);
    ctx.body = serializeFilters(next);
  });

  router.put('/projects/:org/:project/filters/:filterId/', async (ctx) => {
    requireScope(ctx, 'project:write');
    const { project } = requireRole(await requireProject(ctx, ctx.params.org!, ctx.params.project!), 'owner', 'admin');
    const body = parseBody(ctx, toggleSchema);
    if (body.subfilters && ctx.params.filterId !== 'legacy-browsers')
      throw new HttpError(400, 'invalid-filter-change', 'only legacy-browsers takes subfilters');
    await save(project.id, applyToggle(await load(project.id), ctx.params.filterId!, body));
    ctx.status = 204;
  });
}
