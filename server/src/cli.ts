// Operator CLI: `npm run cli -- <command>` (`npm run migrate` = `cli.ts migrate`). Reads the same
// environment as the server (DATABASE_URL, BASE_URL…), creates the database when missing and
// migrates it before any other command. Results go to stdout as one JSON line; logs to stderr.
//   migrate
//   bootstrap    --org SLUG --project SLUG --email E --password P [--platform P] [--json]
//   create-user  --email E --password P [--name N] [--org SLUG [--role owner|admin|member]]
//   create-token --email E [--name N] [--scopes org:read,event:read]
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createPool, ensureDatabase, type Pool } from './db/pool.js';
import { migrate } from './db/migrate.js';
import { bootstrap } from './organizations/bootstrap.js';
import { findOrganizationBySlug, insertMembershipIfMissing } from './organizations/queries.js';
import { AccountError, ensureUser, issueApiToken } from './users/accounts.js';
import { findUserByEmail } from './users/queries.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, 'use lowercase letters, digits, - and _ (at most 50)');
const email = z.string().trim().email();

const USAGE = `usage: npm run cli -- <command> [options]
  migrate                                   apply pending database migrations
  bootstrap --org SLUG --project SLUG --email E --password P [--platform P] [--json]
                                            create what is missing (org, project, owner, DSN key)
                                            and print {org, project, projectId, dsn, token, ...}
  create-user --email E --password P [--name N] [--org SLUG] [--role owner|admin|member]
  create-token --email E [--name N] [--scopes a,b]   print a new personal API token`;

class UsageError extends Error {
  override name = 'UsageError';
}

type Command = (config: Config, pool: Pool, argv: string[]) => Promise<unknown>;

const COMMANDS: Record<string, Command> = {
  migrate: async () => ({ migrated: true }),

  bootstrap: async (config, pool, argv) => {
    const o = options(argv, {
      org: 'string',
      project: 'string',
      email: 'string',
      password: 'string',
      platform: 'string',
      json: 'boolean',
    });
    const args = z
      .object({ org: slug, project: slug, email, password: z.string().min(1), platform: z.string().optional() })
      .parse(o);
    return bootstrap(pool, { ...args, baseUrl: config.http.baseUrl });
  },

  'create-user': async (_config, pool, argv) => {
    const o = options(argv, { email: 'string', password: 'string', name: 'string', org: 'string', role: 'string' });
    const args = z
      .object({
        email,
        password: z.string().min(1),
        name: z.string().optional(),
        org: slug.optional(),
        role: z.enum(['owner', 'admin', 'member']).default('member'),
      })
      .parse(o);
    const { user, created } = await ensureUser(pool, args);
    let membership = false;
    if (args.org) {
      const org = await findOrganizationBySlug(pool, args.org);
      if (!org) throw new UsageError(`organization ${args.org} does not exist: create it with bootstrap first`);
      membership = await insertMembershipIfMissing(pool, { organizationId: org.id, userId: user.id, role: args.role });
    }
    return { userId: user.id, email: user.email, created, membershipCreated: membership };
  },

  'create-token': async (_config, pool, argv) => {
    const o = options(argv, { email: 'string', name: 'string', scopes: 'string' });
    const args = z.object({ email, name: z.string().default('cli'), scopes: z.string().optional() }).parse(o);
    const user = await findUserByEmail(pool, args.email);
    if (!user) throw new UsageError(`no user with email ${args.email}: create it with create-user first`);
    const scopes = args.scopes
      ? args.scopes
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
    const { token } = await issueApiToken(pool, { userId: user.id, name: args.name, scopes });
    return { userId: user.id, email: user.email, token };
  },
};

function options(
  argv: string[],
  spec: Record<string, 'string' | 'boolean'>,
): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(spec).map(([k, type]) => [k, { type }])),
      strict: true,
    });
    return values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const STDIO: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function runCli(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  io: CliIo = STDIO,
): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`${name && name !== 'help' && name !== '--help' ? `unknown command ${name}\n` : ''}${USAGE}\n`);
    return name === 'help' || name === '--help' ? 0 : 2;
  }
  let pool: Pool | undefined;
  try {
    const config = loadConfig(env);
    await ensureDatabase(config.db.url);
    pool = createPool(config.db.url, 2);
    await migrate(pool, { log: (msg) => io.err(`${msg}\n`) });
    const result = await command(config, pool, rest);
    io.out(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError || err instanceof AccountError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    if (err instanceof z.ZodError) {
      io.err(`invalid options: ${err.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n${USAGE}\n`);
      return 2;
    }
    io.err(`${name} failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  } finally {
    await pool?.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
