// Stage "assign" against real Postgres (issue 15): a new issue goes to the first owner of the
// last matching ownership rule; with "Auto Assign to Suspect Commits" and no matching rule, to
// the member who wrote the top suspect commit; never with "Turn off Auto-Assignment", never to
// a team (the owners alert action reaches teams), and never over a person's own assignment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject } from '../../helpers/db-fixtures.js';
import { createIssueWithEvent, createMember } from '../../helpers/alert-fixtures.js';
import { assign } from '../../../server/src/pipeline/assign.js';
import { replaceReleaseCommits } from '../../../server/src/commits/queries.js';
import {
  addTeamMember,
  insertTeam,
  upsertOwnership,
  type AutoAssignment,
} from '../../../server/src/ownership/queries.js';
import { createLogger } from '../../../server/src/shared/log.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let projectId: string;
const users: Record<string, string> = {};
let n = 0;

const payload = {
  exception: {
    values: [
      {
        type: 'TypeError',
        value: 'boom',
        stacktrace: {
          frames: [
            { abs_path: '/srv/shop/src/app.js', filename: 'src/app.js', in_app: true },
            { abs_path: '/srv/shop/src/cart.js', filename: 'src/cart.js', in_app: true },
          ],
        },
      },
    ],
  },
};

async function newIssueAssignedTo(raw: string, autoAssignment: AutoAssignment, preassigned?: string) {
  await upsertOwnership(db.pool, { projectId, raw, fallthrough: true, autoAssignment });
  const { issueId } = await createIssueWithEvent(db.pool, projectId, `TypeError: boom ${++n}`);
  if (preassigned) await db.pool.query(`UPDATE issues SET assignee_user_id = $2 WHERE id = $1`, [issueId, preassigned]);
  const deps = { pool: db.pool, log: createLogger({ level: 'silent' }) };
  await assign(deps, [{ projectId, issueId, release: 'shop@2.0.0', environment: 'production', payload }]);
  const { rows } = await db.pool.query<{ assignee: string | null }>(
    `SELECT assignee_user_id::text AS assignee FROM issues WHERE id = $1`,
    [issueId],
  );
  const id = rows[0]!.assignee;
  return id === null ? null : (Object.entries(users).find(([, u]) => u === id)?.[0] ?? id);
}

beforeAll(async () => {
  db = await createTestDatabase();
  const p = await createProject(db.pool, 'shop');
  projectId = p.projectId;
  for (const name of ['alice', 'bob', 'carol'])
    users[name] = (await createMember(db.pool, p.organizationId, `${name}@shop.test`)).userId;
  const team = await insertTeam(db.pool, { organizationId: p.organizationId, slug: 'web', name: 'Web' });
  await addTeamMember(db.pool, team!.id, users.carol!);
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO releases (organization_id, version) VALUES ($1, 'shop@2.0.0') RETURNING id`,
    [p.organizationId],
  );
  await db.pool.query(`INSERT INTO release_projects (release_id, project_id) VALUES ($1, $2)`, [
    rows[0]!.id,
    projectId,
  ]);
  const commit = (sha: string, email: string, path: string) => ({
    sha,
    repository: 'acme/shop',
    message: sha,
    authorName: email.split('@')[0]!,
    authorEmail: email,
    timestamp: null,
    files: [{ path, type: 'M' as const }],
  });
  await replaceReleaseCommits(db.pool, {
    organizationId: p.organizationId,
    releaseId: rows[0]!.id,
    commits: [
      commit('readme', 'alice@shop.test', 'README.md'),
      commit('app', 'outsider@elsewhere.test', 'src/app.js'), // not a member, and a frame further from the crash
      commit('cart', 'bob@shop.test', 'src/cart.js'),
    ],
  });
});
afterAll(async () => {
  await db?.drop();
});

describe('assign', () => {
  it.each([
    ['path:src/cart.js alice@shop.test', 'Auto Assign to Issue Owner', 'alice'],
    ['path:src/* bob@shop.test\npath:src/cart.js alice@shop.test bob@shop.test', 'Auto Assign to Issue Owner', 'alice'],
    ['path:src/cart.js alice@shop.test\npath:src/* bob@shop.test', 'Auto Assign to Issue Owner', 'bob'], // the last match wins
    ['path:src/cart.js alice@shop.test', 'Auto Assign to Suspect Commits', 'alice'], // a rule first
    ['path:*.py alice@shop.test', 'Auto Assign to Suspect Commits', 'bob'], // no rule: the top suspect's author
    ['', 'Auto Assign to Suspect Commits', 'bob'],
    ['path:*.py alice@shop.test', 'Auto Assign to Issue Owner', null],
    ['path:src/cart.js alice@shop.test', 'Turn off Auto-Assignment', null],
    ['path:src/* #web', 'Auto Assign to Issue Owner', null], // a team owner assigns nobody
  ] as const)('%j with %s → %s', async (raw, mode, expected) => {
    expect(await newIssueAssignedTo(raw, mode)).toBe(expected);
  });

  it("never overrides a person's assignment", async () => {
    expect(
      await newIssueAssignedTo('path:src/cart.js alice@shop.test', 'Auto Assign to Issue Owner', users.carol),
    ).toBe('carol');
  });
});
