// The alert-rule JSON the API accepts (zod, at the trust boundary) and the JSON it answers.
// The shape is documented in docs/alerts.md; keep the two in step.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RuleInput, RuleRow } from './queries.js';
import { LEVELS, type Action } from './rules.js';

const MAX_WINDOW_MINUTES = 7 * 24 * 60; // sliding windows live in Redis: a week at most
const minutes = z.number().int().min(1).max(MAX_WINDOW_MINUTES);
const threshold = z.number().int().min(0).max(1_000_000_000);
const text = (max: number) => z.string().trim().min(1).max(max);
const httpUrl = z
  .string()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

export const conditionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('first_seen') }),
  z.object({ type: z.literal('regression') }),
  z.object({ type: z.literal('event_frequency'), count: threshold, minutes }),
  z.object({ type: z.literal('user_frequency'), count: threshold, minutes }),
  z.object({ type: z.literal('new_issue_after_deploy'), minutes }),
  z.object({ type: z.literal('deploy_failing') }),
  z.object({ type: z.literal('new_issue_after_flag_change'), minutes }),
  z.object({ type: z.literal('flag_change_failing') }),
]);

export const filterSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('environment'), value: text(256) }),
  z.object({
    type: z.literal('level'),
    match: z.enum(['equals', 'at_least']).default('equals'),
    value: z.enum(LEVELS as [string, ...string[]]),
  }),
  z.object({ type: z.literal('release'), value: text(256) }),
  z.object({
    type: z.literal('tag'),
    key: text(200),
    match: z.enum(['equals', 'contains']).default('equals'),
    value: text(500),
  }),
]);

export const actionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('email'), to: z.array(z.string().trim().email().max(320)).min(1).max(50) }),
  z.object({ type: z.literal('oncall') }),
  z.object({ type: z.literal('owners') }),
  z.object({ type: z.literal('webhook'), url: httpUrl, secret: z.string().min(16).max(256).optional() }),
  z.object({ type: z.literal('slack'), url: httpUrl }),
]);

export const ruleBodySchema = z
  .object({
    name: text(200),
    environment: z.string().trim().min(1).max(256).nullable().default(null),
    conditionMatch: z.enum(['any', 'all']).default('any'),
    conditions: z.array(conditionSchema).min(1).max(20),
    filters: z.array(filterSchema).max(20).default([]),
    actions: z.array(actionSchema).min(1).max(20),
    frequencyMinutes: z.number().int().min(1).max(43_200).default(30),
    isEnabled: z.boolean().default(true),
  })
  .refine((r) => !r.conditions.some((c) => c.type === 'deploy_failing') || r.conditions.length === 1, {
    message: 'deploy_failing reacts to deploy health, not to events: it cannot be combined with other conditions',
    path: ['conditions'],
  })
  .refine((r) => !r.conditions.some((c) => c.type === 'flag_change_failing') || r.conditions.length === 1, {
    message:
      'flag_change_failing reacts to flag-change verdicts, not to events: it cannot be combined with other conditions',
    path: ['conditions'],
  });

export type RuleBody = z.infer<typeof ruleBodySchema>;

/** Validated body → stored rule; webhooks get a signing secret (kept from `previous` for the same URL). */
export function toRuleInput(body: RuleBody, previous: RuleRow | null): RuleInput {
  const oldSecrets = new Map(
    (previous?.actions ?? []).flatMap((a) => (a.type === 'webhook' ? [[a.url, a.secret] as const] : [])),
  );
  const actions: Action[] = body.actions.map((a) =>
    a.type === 'webhook'
      ? { type: 'webhook', url: a.url, secret: a.secret ?? oldSecrets.get(a.url) ?? randomBytes(24).toString('hex') }
      : a,
  );
  return { ...body, filters: body.filters as RuleInput['filters'], actions };
}

/** The fields a PUT may change, merged over the stored rule before validating it whole. */
export function ruleAsBody(r: RuleRow): Record<string, unknown> {
  return {
    name: r.name,
    environment: r.environment,
    conditionMatch: r.conditionMatch,
    conditions: r.conditions,
    filters: r.filters,
    actions: r.actions,
    frequencyMinutes: r.frequencyMinutes,
    isEnabled: r.isEnabled,
  };
}

export interface ApiAlertRule extends RuleBody {
  id: string;
  projectId: string;
  dateCreated: string;
  dateUpdated: string;
}

export function serializeRule(r: RuleRow): ApiAlertRule {
  return {
    id: r.id,
    projectId: r.projectId,
    name: r.name,
    environment: r.environment,
    conditionMatch: r.conditionMatch,
    conditions: r.conditions,
    filters: r.filters,
    actions: r.actions,
    frequencyMinutes: r.frequencyMinutes,
    isEnabled: r.isEnabled,
    dateCreated: r.dateCreated,
    dateUpdated: r.dateUpdated,
  };
}
