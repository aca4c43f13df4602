import { afterAll, beforeAll, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createApiToken, sentryCli, type SentryCli } from './sentry-cli-env.js';
import { bundleCopy } from '../../flows/sourcemaps-fixture.js';
let server: TestServer; let cli: SentryCli;
beforeAll(async () => { server = await startTestServer({ ROLE: 'api' }); const token = await createApiToken(server.pool, server.project.orgId); cli = await sentryCli({ url: server.url, token, org: server.project.orgSlug, project: server.project.slug }); });
afterAll(async () => { await cli?.cleanup(); await server?.stop(); });
it('scratch', async () => {
  const dir = await bundleCopy();
  for (const args of [['sourcemaps', 'upload', '--release', 'web@3.1.0', '--url-prefix', '~/assets', dir]]) {
    const r = await cli.run(args, { env: { SENTRY_LOG_LEVEL: 'debug' } });
    console.log(args.join(' '), r.code, (r.stdout + r.stderr).split('\n').filter((l) => /> (GET|POST|PUT)|< HTTP|body|error/.test(l)).map(l=>l.slice(0,400)).join('\n'));
  }
});
