// Browser test helpers: a built UI, headless Chromium through playwright-core, signing in, and
// screenshots of a page in the light and the dark theme (test-output/screenshots/, git-ignored).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from './server.js';
import { createMember, type Member } from './api-factories.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOT_DIR = `${ROOT}test-output/screenshots`;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `npm run build` builds the UI before the tests in CI; a local run without ui/dist builds it here. */
export async function ensureUiBuilt(): Promise<void> {
  if (existsSync(`${ROOT}ui/dist/index.html`)) return;
  await promisify(execFile)('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, timeout: 180_000 });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 120_000 });
}

/** A browser context whose waits tolerate a loaded CI machine (the default is 30 s). */
export async function newContext(
  browser: Browser,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(60_000);
  context.setDefaultNavigationTimeout(60_000);
  return context;
}

export async function login(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/organizations\/[^/]+\/issues\//);
}

/** Saves `<name>-light.png` and `<name>-dark.png` (full page), following the system theme. */
export async function screenshotThemes(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string[]> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const files: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const file = `${SCREENSHOT_DIR}/${name}-${scheme}.png`;
    // Generous: a full-page capture on a loaded machine can take long; it is not what is tested.
    await page.screenshot({
      path: file,
      fullPage: opts.fullPage ?? true,
      animations: 'disabled',
      caret: 'hide',
      timeout: 120_000,
    });
    files.push(file);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return files;
}

/** A real server with an owner to sign in as, and Chromium: what a focused UI test starts from. */
export interface UiTestbed {
  server: TestServer;
  browser: Browser;
  owner: Member;
  close(): Promise<void>;
}

export async function startUiTestbed(env: Record<string, string>): Promise<UiTestbed> {
  await ensureUiBuilt();
  const server = await startTestServer(env);
  const owner = await createMember(server.pool, { orgId: server.project.orgId, role: 'owner' });
  const browser = await launchBrowser();
  return {
    server,
    browser,
    owner,
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}
