// Baseline for the ingest figures: the barest Koa handler that reads the whole request body and
// answers 200 with a JSON id, as a separate process on PORT. Faultline's ingest is reported as
// a ratio of this: what authentication, parsing, limits and the enqueue cost on top of HTTP.
import { randomUUID } from 'node:crypto';
import Koa from 'koa';

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method === 'GET') {
    ctx.body = 'ok';
    return;
  }
  let bytes = 0;
  for await (const chunk of ctx.req) bytes += (chunk as Buffer).length;
  ctx.status = 200;
  ctx.body = { id: randomUUID().replaceAll('-', ''), bytes };
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.once('SIGTERM', () => server.close(() => process.exit(0)));
