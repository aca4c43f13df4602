// JSON request bodies for the API: a size-bounded reader (413 past the limit, 400 on bad JSON)
// and a zod-validated accessor. Only JSON (or untyped) bodies are read, so multipart uploads
// registered by other concepts still get the raw stream.
import type Koa from 'koa';
import type { z } from 'zod';
import { HttpError } from './errors.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Parses JSON bodies of unsafe methods into ctx.state.body (undefined when there is none). */
export function jsonBody(maxBytes: number): Koa.Middleware {
  return async (ctx, next) => {
    if (BODY_METHODS.has(ctx.method) && hasBody(ctx) && isJsonish(ctx)) {
      const { raw, value } = await readJson(ctx.req, ctx.get('content-length'), maxBytes);
      ctx.state.body = value;
      ctx.state.rawBody = raw; // the exact bytes, for signed webhooks (flags/routes.ts)
    }
    await next();
  };
}

/** Validates the parsed body; a missing body counts as `{}` so all-optional schemas accept it. */
export function parseBody<S extends z.ZodType>(ctx: Koa.Context, schema: S): z.infer<S> {
  if (ctx.state.body === undefined && hasBody(ctx) && !isJsonish(ctx)) {
    throw new HttpError(415, 'unsupported-media-type', 'send the body as application/json');
  }
  return schema.parse(ctx.state.body ?? {});
}

function hasBody(ctx: Koa.Context): boolean {
  const length = ctx.get('content-length');
  return (length !== '' && length !== '0') || ctx.get('transfer-encoding') !== '';
}

/** JSON or untyped only: a cross-site HTML form can post text/plain without a CORS preflight,
 *  so accepting it would open login CSRF. */
function isJsonish(ctx: Koa.Context): boolean {
  const type = ctx.get('content-type');
  return type === '' || ctx.is('application/json', '+json') !== false;
}

async function readJson(
  req: NodeJS.ReadableStream,
  contentLength: string,
  maxBytes: number,
): Promise<{ raw: Buffer; value: unknown }> {
  if (contentLength !== '' && Number(contentLength) > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(buf);
  }
  const raw = Buffer.concat(chunks);
  const text = raw.toString('utf8');
  if (text.trim() === '') return { raw, value: undefined };
  try {
    return { raw, value: JSON.parse(text) as unknown };
  } catch (err) {
    throw new HttpError(400, 'invalid-json', 'the request body is not valid JSON', { cause: err });
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'body-too-large', `the request body exceeds ${maxBytes} bytes`);
}
