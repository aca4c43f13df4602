// Webhook channel: the alert as JSON, signed with HMAC-SHA256 over the exact body bytes with
// the action's secret: `X-Faultline-Signature: sha256=<hex>`, plus a timestamp header.
import { createHmac } from 'node:crypto';
import type { SafeHttpOptions } from '../safe-http.js';
import type { AlertContent } from '../content.js';
import { renderWebhook } from '../render.js';
import { postJson } from './http-post.js';

export const SIGNATURE_HEADER = 'X-Faultline-Signature';

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export async function sendWebhook(
  url: string,
  secret: string,
  alert: AlertContent,
  deliveryId: string,
  opts: SafeHttpOptions,
): Promise<string> {
  const body = JSON.stringify(renderWebhook(alert));
  return postJson(
    url,
    body,
    {
      [SIGNATURE_HEADER]: sign(secret, body),
      'X-Faultline-Delivery': deliveryId,
      'X-Faultline-Event': 'alert.triggered',
    },
    opts,
  );
}
