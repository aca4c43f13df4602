// First-run setup (`npm run cli -- bootstrap`): creates whatever is missing of organization,
// project (short id prefix = upper-cased slug), owner user and membership, and DSN key, and
// always issues a new API token (tokens are stored hashed, so an old one cannot be shown again).
// Idempotent: a second run creates nothing but the token.
import type { Pool } from '../db/pool.js';
import { withTransaction } from '../db/tx.js';
import { buildDsn } from '../projects/dsn.js';
import { insertProjectKey, listProjectKeys, upsertProject } from '../projects/queries.js';
import { ensureUser, issueApiToken } from '../users/accounts.js';
import { insertMembershipIfMissing, upsertOrganization } from './queries.js';

export interface BootstrapArgs {
  org: string;
  project: string;
  email: string;
  password: string;
  platform?: string;
  baseUrl: string;
}

export interface BootstrapResult {
  org: string;
  orgId: string;
  project: string;
  projectId: string;
  shortIdPrefix: string;
  email: string;
  userId: string;
  dsn: string;
  token: string;
  created: { org: boolean; project: boolean; user: boolean; membership: boolean; key: boolean };
}

export function shortIdPrefixFor(projectSlug: string): string {
  return projectSlug.toUpperCase();
}

export async function bootstrap(pool: Pool, args: BootstrapArgs): Promise<BootstrapResult> {
  // Hash outside the transaction (Argon2 takes a while); ensureUser skips it for known users.
  const { user, created: userCreated } = await ensureUser(pool, { email: args.email, password: args.password });
  return withTransaction(pool, async (tx) => {
    const { org, created: orgCreated } = await upsertOrganization(tx, { slug: args.org, name: args.org });
    const membership = await insertMembershipIfMissing(tx, { organizationId: org.id, userId: user.id, role: 'owner' });
    const { project, created: projectCreated } = await upsertProject(tx, {
      organizationId: org.id,
      slug: args.project,
      name: args.project,
      platform: args.platform ?? null,
      shortIdPrefix: shortIdPrefixFor(args.project),
    });
    const existingKey = (await listProjectKeys(tx, project.id)).find((k) => k.isActive);
    const key = existingKey ?? (await insertProjectKey(tx, { projectId: project.id, label: 'Default' }));
    const { token } = await issueApiToken(tx, { userId: user.id, name: 'bootstrap' });
    return {
      org: org.slug,
      orgId: org.id,
      project: project.slug,
      projectId: project.id,
      shortIdPrefix: project.shortIdPrefix,
      email: user.email,
      userId: user.id,
      dsn: buildDsn(args.baseUrl, project.id, key.publicKey),
      token,
      created: { org: orgCreated, project: projectCreated, user: userCreated, membership, key: !existingKey },
    };
  });
}
