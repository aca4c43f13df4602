// The shared POST of the webhook and Slack channels: safe-http, then status handling. 2xx is
// sent; 3xx (redirects are not followed), 4xx other than 408/429 are permanent; the rest retry.
import { safePost, UnsafeTargetError, type SafeHttpOptions } from '../safe-http.js';
import { DeliveryError } from './delivery-error.js';

export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: SafeHttpOptions,
): Promise<string> {
  let res;
  try {
    res = await safePost(
      url,
      body,
      { 'content-type': 'application/json', 'user-agent': 'Faultline-Alerts/1', ...headers },
      opts,
    );
  } catch (err) {
    const permanent = err instanceof UnsafeTargetError;
    throw new DeliveryError(`POST ${redact(url)} failed: ${(err as Error).message}`, { permanent, cause: err });
  }
  if (res.status >= 200 && res.status < 300) return `HTTP ${res.status}`;
  const retry = res.status >= 500 || res.status === 408 || res.status === 429;
  const hint = res.status >= 300 && res.status < 400 ? ' (redirects are not followed: use the final URL)' : '';
  throw new DeliveryError(`POST ${redact(url)} answered HTTP ${res.status}${hint}: ${res.body.slice(0, 300)}`, {
    permanent: !retry,
  });
}

/** Incoming-webhook URLs carry their secret in the path; history shows only the origin. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}
