// Raw HTTP requests for tests that need byte-exact bodies and headers fetch() would rewrite
// (Content-Length lies, chunked uploads, Content-Encoding). Resolves even on 4xx/5xx.
import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** Parsed JSON body, or undefined if the body is not JSON. */
  json: unknown;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
  /** Send the body with Transfer-Encoding: chunked in pieces of this size. */
  chunkSize?: number;
}

export function request(url: string, req: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
    const headers: Record<string, string | number> = { ...req.headers };
    const hasLength = Object.keys(headers).some((h) => h.toLowerCase() === 'content-length');
    if (body && !req.chunkSize && !hasLength) headers['content-length'] = body.length;
    const r = http.request(url, { method: req.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, text, json });
      });
    });
    r.on('error', reject);
    if (body && req.chunkSize) {
      for (let i = 0; i < body.length; i += req.chunkSize) r.write(body.subarray(i, i + req.chunkSize));
      r.end();
    } else {
      r.end(body);
    }
  });
}
