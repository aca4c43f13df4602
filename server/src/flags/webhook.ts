// Sentry's generic flag change-tracking webhook (pure): the signature check and the payload.
// The sender signs the raw request body with HMAC-SHA256 keyed by the organization's signing
// secret and sends the hex digest in `X-Sentry-Signature` (Sentry: sentry/flags/providers.py,
// docs.sentry.io/organization/integrations/feature-flag/generic/). Body:
//   {"data": [{"action": "created"|"updated"|"deleted", "change_id": 9734362632,
//              "created_at": "2024-12-12T00:00:00+00:00",
//              "created_by": {"id": "a@b.c", "type": "email"|"id"|"name"}, "flag": "new-checkout"}],
//    "meta": {"version": 1}}
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { NewAuditLogRow } from './log-queries.js';

export const SIGNATURE_HEADER = 'x-sentry-signature';
/** Changes per request; a provider batching more should send several requests. */
export const MAX_CHANGES_PER_REQUEST = 1000;

export function signBody(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time comparison of the sent hex digest with ours. */
export function isValidSignature(secret: string, body: Buffer, signature: string | undefined): boolean {
  if (!signature || signature.length !== 64 || !/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  return timingSafeEqual(Buffer.from(signBody(secret, body), 'hex'), Buffer.from(signature.toLowerCase(), 'hex'));
}

const changeSchema = z.object({
  action: z.enum(['created', 'updated', 'deleted']),
  change_id: z.union([z.number().int().safe(), z.string().regex(/^-?\d{1,19}$/)]).transform(String),
  created_at: z
    .string()
    .max(64)
    .datetime({ offset: true })
    .transform((s) => new Date(s)),
  created_by: z.object({ id: z.string().min(1).max(100), type: z.enum(['email', 'id', 'name']) }),
  flag: z.string().min(1).max(100),
});

export const genericPayloadSchema = z.object({
  data: z.array(changeSchema).max(MAX_CHANGES_PER_REQUEST),
  meta: z.object({ version: z.number().int() }),
});

/** Validated payload → audit-log rows (a change_id repeated within the request counts once, as Sentry). */
export function genericAuditRows(payload: z.infer<typeof genericPayloadSchema>): NewAuditLogRow[] {
  const seen = new Set<string>();
  const rows: NewAuditLogRow[] = [];
  for (const c of payload.data) {
    if (seen.has(c.change_id)) continue;
    seen.add(c.change_id);
    rows.push({
      provider: 'generic',
      changeId: c.change_id,
      flag: c.flag,
      action: c.action,
      createdBy: c.created_by.id,
      createdByType: c.created_by.type,
      createdAt: c.created_at,
      tags: {},
    });
  }
  return rows;
}
