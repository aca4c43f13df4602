import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveUi } from '../../../server/src/api/ui.js';

describe('serveUi', () => {
  let dir: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ui-dist-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
    await writeFile(path.join(dir, 'assets', 'main-abc123.js'), 'console.log(1)');
    await writeFile(path.join(dir, '..', `${path.basename(dir)}-secret.txt`), 'secret');
    const app = new Koa();
    app.use(serveUi(dir));
    app.use((ctx) => {
      ctx.status = 404;
      ctx.body = 'fell through';
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
    await rm(path.join(dir, '..', `${path.basename(dir)}-secret.txt`), { force: true });
  });

  it('serves hashed assets with a long cache and index.html for client routes', async () => {
    const asset = await fetch(`${url}/assets/main-abc123.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    const route = await fetch(`${url}/organizations/acme/issues/12/`, { headers: { accept: 'text/html' } });
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('id="app"');
    expect(route.headers.get('cache-control')).toBe('no-cache');
  });

  it('does not serve files outside the dist folder or invent missing files', async () => {
    const traversal = await fetch(`${url}/..%2F${path.basename(dir)}-secret.txt`);
    expect(await traversal.text()).not.toBe('secret');
    expect((await fetch(`${url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${url}/x`, { method: 'POST' })).status).toBe(404);
  });
});
