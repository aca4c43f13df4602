// The legacy embed endpoint Sentry's crash-report dialog posts to:
//   POST /api/embed/error-page/?dsn=<DSN>&eventId=<event id>   body: name, email, comments
// as JSON or a form. The fields are checked here (400 `{"errors": {field: message}}`, as
// Sentry's form does); a valid report becomes a `user_report` envelope item and takes the one
// accept path (DSN key, project, origin, queue, outcomes). Answers 200 `{}`.
import type Koa from 'koa';
import { accept, type AcceptDeps } from './accept.js';
import { readBody } from './decompress.js';

export const EMBED_PATH = '/api/embed/error-page/';
const MAX_EMBED_BODY_BYTES = 64 * 1024; // three short fields
const MAX_COMMENTS_CHARS = 4096; // as the worker's check (Sentry's limit)

export async function handleEmbed(ctx: Koa.Context, ad: AcceptDeps): Promise<void> {
  const refuse = (status: number, errors: Record<string, string>) => {
    ctx.status = status;
    ctx.body = { errors };
  };
  if (ctx.method !== 'POST') return refuse(405, { method: 'POST the form' });
  const dsn = ctx.URL.searchParams.get('dsn') ?? '';
  if (dsn === '' || dsn.length > 512) return refuse(400, { dsn: 'missing or too long' });
  const bytes = await readBody(ctx.req, {
    encoding: 'identity',
    limit: MAX_EMBED_BODY_BYTES,
    declaredLength: ctx.request.length,
  });
  if (!Buffer.isBuffer(bytes)) return refuse(bytes.status, { body: bytes.detail });
  const fields = parseFields(bytes, ctx.get('content-type'));
  if (!fields) return refuse(400, { body: 'expected JSON or a form' });
  // The form's own checks; the worker validates the item again (shared/protocol/feedback.ts).
  const eventId = (ctx.URL.searchParams.get('eventId') ?? String(fields.event_id ?? ''))
    .replaceAll('-', '')
    .toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(eventId)) return refuse(400, { eventId: 'must be the 32-character id of an event' });
  const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');
  const comments = fields.comments;
  if (typeof comments !== 'string' || comments.trim() === '')
    return refuse(400, { comments: 'feedback needs a non-empty text' });
  if (comments.length > MAX_COMMENTS_CHARS)
    return refuse(400, { comments: `longer than ${MAX_COMMENTS_CHARS} characters` });
  const item = JSON.stringify({
    event_id: eventId,
    name: text(fields.name, 128),
    email: text(fields.email, 256),
    comments,
  });
  const envelope = Buffer.from(`${JSON.stringify({ dsn, event_id: eventId })}\n{"type":"user_report"}\n${item}`);
  const result = await accept(
    {
      endpoint: 'envelope',
      auth: { kind: 'none' },
      body: { kind: 'envelope', bytes: envelope },
      origin: origin(ctx),
      receivedAt: Date.now(),
    },
    ad,
  );
  if (!result.ok) {
    ctx.set('X-Sentry-Error', result.detail);
    return refuse(result.status === 401 ? 400 : result.status, { dsn: result.causes?.[0] ?? result.detail });
  }
  ctx.status = 200;
  ctx.body = {};
}

function parseFields(bytes: Buffer, contentType: string): Record<string, unknown> | null {
  const text = bytes.toString('utf8');
  if (contentType.toLowerCase().startsWith('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function origin(ctx: Koa.Context): string | undefined {
  const v = ctx.get('origin') || ctx.get('referer');
  try {
    return v ? new URL(v).href : undefined;
  } catch {
    return undefined;
  }
}
