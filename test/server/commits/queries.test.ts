// Commit queries against real Postgres: a release's commits replaced whole, the previous
// release with commits (what `set-commits --local` stops at), and the range a deploy brought
// to its environment: every release since the previous deploy there, a release that was never
// deployed included, other environments' deploys not counting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/db.js';
import { createProject } from '../../helpers/db-fixtures.js';
import {
  findPreviousDeployReleaseId,
  findPreviousReleaseWithCommits,
  listDeployCommits,
  listReleaseCommits,
  replaceReleaseCommits,
  type CommitInput,
} from '../../../server/src/commits/queries.js';
import { insertDeploy, type DeployRow } from '../../../server/src/releases/deploy-queries.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let orgId: string;
let projectId: string;
const releases: Record<string, string> = {};

const commit = (sha: string, ...paths: string[]): CommitInput => ({
  sha,
  repository: 'acme/shop',
  message: `commit ${sha}`,
  authorName: 'Ann',
  authorEmail: 'ann@shop.test',
  timestamp: new Date('2026-12-01T00:00:00Z'),
  files: paths.map((path) => ({ path, type: 'M' as const })),
});

async function release(version: string, createdAt: string, commits: CommitInput[]): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO releases (organization_id, version, created_at) VALUES ($1, $2, $3) RETURNING id`,
    [orgId, version, createdAt],
  );
  const id = rows[0]!.id;
  await db.pool.query(`INSERT INTO release_projects (release_id, project_id) VALUES ($1, $2)`, [id, projectId]);
  await replaceReleaseCommits(db.pool, { organizationId: orgId, releaseId: id, commits });
  releases[version] = id;
  return id;
}

const deploy = (version: string, environment: string, at: string): Promise<DeployRow> =>
  insertDeploy(db.pool, {
    releaseId: releases[version]!,
    environment,
    name: null,
    url: null,
    dateStarted: null,
    dateFinished: new Date(at),
    projectIds: null,
  });

async function deployShas(d: DeployRow): Promise<string[]> {
  const previousReleaseId = await findPreviousDeployReleaseId(db.pool, d);
  const rows = await listDeployCommits(db.pool, {
    releaseId: d.releaseId,
    previousReleaseId,
    projectIds: d.projectIds,
  });
  return rows.map((r) => r.sha);
}

beforeAll(async () => {
  db = await createTestDatabase();
  ({ projectId, organizationId: orgId } = await createProject(db.pool, 'shop'));
  await release('1.0', '2026-12-01T10:00:00Z', [commit('a2', 'src/pay.js'), commit('a1', 'src/cart.js')]);
  await release('1.1', '2026-12-01T11:00:00Z', [commit('b1', 'src/cart.js')]); // never deployed to production
  await release('1.2', '2026-12-01T12:00:00Z', [commit('c2', 'README.md'), commit('c1', 'src/cart.js')]);
});
afterAll(async () => {
  await db?.drop();
});

describe('commit queries', () => {
  it('replaces a release commits whole and keeps the order sent (newest first)', async () => {
    const id = await release('scratch', '2026-11-01T00:00:00Z', [commit('x1', 'a.js')]);
    await replaceReleaseCommits(db.pool, {
      organizationId: orgId,
      releaseId: id,
      commits: [commit('x3', 'b.js'), commit('x2', 'a.js', 'b.js')],
    });
    const rows = await listReleaseCommits(db.pool, id);
    expect(rows.map((r) => [r.sha, r.position, r.files.map((f) => f.path)])).toEqual([
      ['x3', 0, ['b.js']],
      ['x2', 1, ['a.js', 'b.js']],
    ]);
    await replaceReleaseCommits(db.pool, { organizationId: orgId, releaseId: id, commits: [] });
    expect(await listReleaseCommits(db.pool, id)).toEqual([]);
  });

  it('finds the previous release with commits and its head (what --local stops at)', async () => {
    expect(await findPreviousReleaseWithCommits(db.pool, releases['1.2']!)).toEqual({ version: '1.1', headSha: 'b1' });
    expect(await findPreviousReleaseWithCommits(db.pool, releases['1.0']!)).toBeNull(); // 'scratch' was emptied
  });

  it('a deploy covers the commits since the previous deploy to its environment, undeployed releases included', async () => {
    const first = await deploy('1.0', 'production', '2026-12-01T10:30:00Z');
    await deploy('1.1', 'staging', '2026-12-01T11:30:00Z'); // another environment: not a boundary for production
    const third = await deploy('1.2', 'production', '2026-12-01T12:30:00Z');
    expect(await deployShas(first)).toEqual(['a2', 'a1']); // the first deploy: its release's own commits
    expect(await deployShas(third)).toEqual(['c2', 'c1', 'b1']);
    const staging = await deploy('1.2', 'staging', '2026-12-01T12:40:00Z');
    expect(await deployShas(staging)).toEqual(['c2', 'c1']);
  });
});
