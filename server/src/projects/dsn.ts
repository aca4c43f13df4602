// DSN strings for a project key, derived from BASE_URL: `{scheme}://{public}@{host}{path}/{projectId}`
// (develop.sentry.dev/sdk/overview/#parsing-the-dsn). A path in BASE_URL is kept, as SDKs do.
export function buildDsn(baseUrl: string, projectId: string, publicKey: string, secretKey?: string): string {
  const url = new URL(baseUrl);
  const auth = secretKey ? `${publicKey}:${secretKey}` : publicKey;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${auth}@${url.host}${path}/${projectId}`;
}

/** The base every ingest endpoint hangs off: `{BASE_URL}/api/{projectId}`. */
export function ingestBase(baseUrl: string, projectId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/${projectId}`;
}
