// A small fetch wrapper for API tests: JSON in and out, Bearer token or cookies, and the raw
// response for headers.
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
  cookies: string[];
}

export interface CallOptions {
  method?: string;
  token?: string;
  cookie?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

// Tests read response JSON freely; `any` stays confined to this test helper.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call<T = any>(baseUrl: string, path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${baseUrl}${path}`, {
    method: opts.method ?? 'GET',
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: body as T, headers: res.headers, cookies: res.headers.getSetCookie() };
}

/** `name=value` pairs of Set-Cookie headers, ready for a Cookie header. */
export function cookieHeader(setCookies: string[]): string {
  return setCookies.map((c) => c.split(';')[0]).join('; ');
}

export function cookieValue(setCookies: string[], name: string): string | undefined {
  const c = setCookies.find((s) => s.startsWith(`${name}=`));
  return c ? decodeURIComponent(c.split(';')[0]!.slice(name.length + 1)) : undefined;
}
