// User feedback in the shapes SDKs and browsers send it, parsed and bounded. Pure.
// - `feedback` envelope item (JS `captureFeedback`, the feedback widget): an event whose
//   `contexts.feedback` holds message, contact_email, name, associated_event_id, url, source;
// - `user_report` envelope item, the user-feedback API and the embed form (Python
//   `capture_user_feedback`, older SDKs): { event_id, name, email, comments }.
import { createHash } from 'node:crypto';

export const MAX_COMMENTS_CHARS = 4096; // Sentry's limit on feedback text
const MAX_NAME_CHARS = 128;
const MAX_EMAIL_CHARS = 256;
const MAX_URL_CHARS = 2048;
const MAX_SHORT_CHARS = 200; // source, environment, release

export interface Feedback {
  /** The feedback's own id (32 hex): the feedback event's id, or for a user report its event's. */
  feedbackId: string;
  /** The error event it is about, if any (32 hex). */
  eventId: string | null;
  name: string;
  email: string;
  comments: string;
  url: string | null;
  source: string;
  environment: string | null;
  release: string | null;
  createdAt: Date;
}

export type FeedbackResult = Feedback | { field: string; problem: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max: number): string | null => (typeof v === 'string' ? v.slice(0, max) : null);

/** 32 lowercase hex from a UUID with or without dashes; null when it is not one. */
export function normalizeEventId(v: unknown): string | null {
  if (typeof v !== 'string' || v.length > 36) return null;
  const hex = v.replaceAll('-', '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? hex : null;
}

function comments(v: unknown, field: string): string | { field: string; problem: string } {
  if (typeof v !== 'string' || v.trim() === '') return { field, problem: 'feedback needs a non-empty text' };
  if (v.length > MAX_COMMENTS_CHARS) return { field, problem: `longer than ${MAX_COMMENTS_CHARS} characters` };
  return v;
}

/** The `user_report` item / API / embed shape. */
export function parseUserReport(v: unknown, ctx: { receivedAt: number; source: string }): FeedbackResult {
  if (!isRecord(v)) return { field: 'body', problem: 'expected a JSON object' };
  const eventId = normalizeEventId(v.event_id);
  if (!eventId) return { field: 'event_id', problem: 'must be the 32-character id of an event' };
  const text = comments(v.comments, 'comments');
  if (typeof text !== 'string') return text;
  return {
    feedbackId: eventId,
    eventId,
    name: str(v.name, MAX_NAME_CHARS) ?? '',
    email: str(v.email, MAX_EMAIL_CHARS) ?? '',
    comments: text,
    url: null,
    source: ctx.source,
    environment: null,
    release: null,
    createdAt: new Date(ctx.receivedAt),
  };
}

/** The `feedback` item: a feedback event. `envelopeEventId`: the envelope header's event_id. */
export function parseFeedbackEvent(
  v: unknown,
  ctx: { receivedAt: number; envelopeEventId: string | null },
): FeedbackResult {
  if (!isRecord(v)) return { field: 'feedback', problem: 'expected a JSON object' };
  const fb = isRecord(v.contexts) && isRecord(v.contexts.feedback) ? v.contexts.feedback : null;
  if (!fb) return { field: 'contexts.feedback', problem: 'missing' };
  const text = comments(fb.message, 'contexts.feedback.message');
  if (typeof text !== 'string') return text;
  const user = isRecord(v.user) ? v.user : {};
  const feedbackId =
    ctx.envelopeEventId ?? normalizeEventId(v.event_id) ?? createHash('md5').update(JSON.stringify(fb)).digest('hex');
  return {
    feedbackId,
    eventId: normalizeEventId(fb.associated_event_id),
    name: str(fb.name, MAX_NAME_CHARS) ?? str(user.username ?? user.name, MAX_NAME_CHARS) ?? '',
    email: str(fb.contact_email, MAX_EMAIL_CHARS) ?? str(user.email, MAX_EMAIL_CHARS) ?? '',
    comments: text,
    url: str(fb.url, MAX_URL_CHARS),
    source: str(fb.source, MAX_SHORT_CHARS) ?? 'feedback',
    environment: str(v.environment, MAX_SHORT_CHARS),
    release: str(v.release, MAX_SHORT_CHARS),
    createdAt: new Date(ctx.receivedAt),
  };
}
