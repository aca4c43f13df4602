// serveUi beyond the basics (ui.test.ts): CSP and security headers, dotted client routes
// (release versions), HEAD, and the pass-through when the UI is not built.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveUi, UI_CSP } from '../../../server/src/api/ui.js';

async function listen(app: Koa): Promise<{ server: Server; base: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const addr = server.address();
  return { server, base: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

describe('serveUi headers and routes', () => {
  let dir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-ui-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
    await writeFile(join(dir, 'robots.txt'), 'User-agent: *');
    const app = new Koa();
    app.use(serveUi(dir));
    app.use((ctx) => {
      ctx.status = 404;
      ctx.body = 'fell through';
    });
    ({ server, base } = await listen(app));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['/', '/organizations/acme/issues/', '/organizations/acme/releases/web%401.4.2/'])(
    'answers %s with index.html, no-cache and the CSP',
    async (path) => {
      const res = await fetch(`${base}${path}`, { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<div id="app">');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(UI_CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    },
  );

  it('keeps scripts and styles to this origin, nothing inline', () => {
    expect(UI_CSP).toContain("script-src 'self'");
    expect(UI_CSP).not.toMatch(/unsafe-/);
    expect(UI_CSP).toContain("frame-ancestors 'none'");
  });

  it('lets missing assets, non-navigation misses and API paths fall through', async () => {
    expect((await fetch(`${base}/assets/missing.js`, { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await fetch(`${base}/favicon.ico`, { headers: { accept: 'image/*' } })).status).toBe(404);
    expect((await fetch(`${base}/api/0/nope/`, { headers: { accept: 'text/html' } })).status).toBe(404);
  });

  it('answers HEAD with headers only', async () => {
    const res = await fetch(`${base}/robots.txt`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('13');
  });

  it('does nothing when the UI is not built', async () => {
    const app = new Koa();
    app.use(serveUi(join(dir, 'nope')));
    app.use((ctx) => {
      ctx.body = 'next';
    });
    const s = await listen(app);
    expect(await (await fetch(`${s.base}/organizations/x/`)).text()).toBe('next');
    await new Promise((r) => s.server.close(r));
  });
});
