// Stage "assign" against real Postgres (issue 15): a new issue goes to the first owner of the
// last matching ownership rule; with "Auto Assign to Suspect Commits" and no matching rule, to
// the member who wrote the top suspect commit; to the team when that owner is a `#team`; never
// with "Turn off Auto-Assignment", and never over a person's own assignment (or a team's).
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
let teamId: string;
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
  if (preassigned) {
    const column = preassigned.startsWith('#') ? 'assignee_team_id' : 'assignee_user_id';
    const id = preassigned.startsWith('#') ? teamId : users[preassigned];
    await db.pool.query(`UPDATE issues SET ${column} = $2 WHERE id = $1`, [issueId, id]);
  }
  const deps = { pool: db.pool, log: createLogger({ level: 'silent' }) };
  await assign(deps, [{ projectId, issueId, release: 'shop@2.0.0', environment: 'production', payload }]);
  const { rows } = await db.pool.query<{ user: string | null; team: string | null }>(
    `SELECT assignee_user_id::text AS user, t.slug AS team FROM issues i LEFT JOIN teams t ON t.id = i.assignee_team_id
     WHERE i.id = $1`,
    [issueId],
  );
  const { user, team } = rows[0]!;
  if (team !== null) return `#${team}`;
  return user === null ? null : (Object.entries(users).find(([, u]) => u === user)?.[0] ?? user);
}

async function activitiesOf(issueId: string) {
  const { rows } = await db.pool.query<{ kind: string; data: Record<string, unknown> }>(
    `SELECT kind, data FROM issue_activities WHERE issue_id = $1 ORDER BY id`,
    [issueId],
  );
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const p = await createProject(db.pool, 'shop');
  projectId = p.projectId;
  for (const name of ['alice', 'bob', 'carol'])
    users[name] = (await createMember(db.pool, p.organizationId, `${name}@shop.test`)).userId;
  const team = await insertTeam(db.pool, { organizationId: p.organizationId, slug: 'web', name: 'Web' });
  teamId = team!.id;
  await addTeamMember(db.pool, teamId, users.carol!);
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
    ['path:src/* #web', 'Auto Assign to Issue Owner', '#web'], // a team owner: the team
    ['path:src/* #web bob@shop.test', 'Auto Assign to Issue Owner', '#web'], // the first owner, a team
    ['path:src/* bob@shop.test #web', 'Auto Assign to Issue Owner', 'bob'],
    ['path:src/cart.js #web', 'Auto Assign to Suspect Commits', '#web'], // a rule before the suspect commit
    ['path:src/* #nobody alice@shop.test', 'Auto Assign to Issue Owner', 'alice'], // a team no longer there is skipped
    ['path:src/cart.js #web', 'Turn off Auto-Assignment', null],
  ] as const)('%j with %s → %s', async (raw, mode, expected) => {
    expect(await newIssueAssignedTo(raw, mode)).toBe(expected);
  });

  it("never overrides a person's assignment, nor a team's", async () => {
    expect(await newIssueAssignedTo('path:src/cart.js alice@shop.test', 'Auto Assign to Issue Owner', 'carol')).toBe(
      'carol',
    );
    expect(await newIssueAssignedTo('path:src/cart.js #web', 'Auto Assign to Issue Owner', 'carol')).toBe('carol');
    expect(await newIssueAssignedTo('path:src/cart.js alice@shop.test', 'Auto Assign to Issue Owner', '#web')).toBe(
      '#web',
    );
  });

  it('records the team assignment in the activity log as it does for people', async () => {
    await upsertOwnership(db.pool, {
      projectId,
      raw: 'path:src/* #web',
      fallthrough: true,
      autoAssignment: 'Auto Assign to Issue Owner',
    });
    const { issueId } = await createIssueWithEvent(db.pool, projectId, `TypeError: boom ${++n}`);
    const deps = { pool: db.pool, log: createLogger({ level: 'silent' }) };
    const event = { projectId, issueId, release: 'shop@2.0.0', environment: 'production', payload };
    await assign(deps, [event]);
    await assign(deps, [event]); // already assigned: no second entry
    expect(await activitiesOf(issueId)).toEqual([
      { kind: 'assigned', data: { assignee: teamId, assigneeType: 'team', reason: 'ownership-rule' } },
    ]);
  });

  it('the schema holds at most one assignee, a person or a team', async () => {
    const { issueId } = await createIssueWithEvent(db.pool, projectId, `TypeError: boom ${++n}`);
    await expect(
      db.pool.query(`UPDATE issues SET assignee_user_id = $2, assignee_team_id = $3 WHERE id = $1`, [
        issueId,
        users.alice,
        teamId,
      ]),
    ).rejects.toThrow(/issues_one_assignee/);
  });
});
