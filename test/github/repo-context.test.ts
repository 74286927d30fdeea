/**
 * Repository contexts through the queue consumer and the emulated GitHub: an installed repository
 * gets a ChittyConnect context (ChittyID from the authority, owned by GITHUB_CONTEXT_OWNER) with
 * languages, layout, activity, contributors and findings, readable by its owner through the
 * contexts API; default-branch pushes refresh it at most once per 10 minutes; without an owner, or
 * with `context.enabled: false`, nothing is made.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ConfigError, config } from '../../src/config';
import type { Env } from '../../src/env';
import installationCreated from '../fixtures/github/installation.created.json';
import reposAdded from '../fixtures/github/installation_repositories.added.json';
import reposRemoved from '../fixtures/github/installation_repositories.removed.json';
import prOpened from '../fixtures/github/pull_request.opened.json';
import pushFixture from '../fixtures/github/push.json';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { control, counted, delivery, runEvents } from '../helpers/github';

interface Repo {
  installationId: number;
  id: number;
  name: string;
  fullName: string;
}

async function freshRepo(files: Record<string, string> = {}): Promise<Repo> {
  const name = `ctx-${crypto.randomUUID().slice(0, 8)}`;
  const created = await control<{ id: number; repositories: { id: number; full_name: string }[] }>('POST', '/github/installations', {
    account: { login: 'chitty-labs', id: 90001 },
    repositories: [{ full_name: `chitty-labs/${name}` }],
  });
  const repo = created.repositories[0];
  if (!repo) throw new Error('no repository created');
  if (Object.keys(files).length > 0) await control('PUT', `/github/repos/chitty-labs/${name}/contents`, { files });
  return { installationId: created.id, id: repo.id, name, fullName: repo.full_name };
}

const installed = (repo: Repo) => ({
  ...installationCreated,
  installation: { ...installationCreated.installation, id: repo.installationId },
  repositories: [{ id: repo.id, name: repo.name, full_name: repo.fullName, private: false }],
});

const newSha = () => crypto.randomUUID().replace(/-/g, '').padEnd(40, '0');

const pushed = (repo: Repo, sha = newSha(), before = pushFixture.before) => {
  return {
    ...pushFixture,
    before,
    after: sha,
    commits: [{ ...pushFixture.commits[0], id: sha }],
    repository: { ...pushFixture.repository, id: repo.id, name: repo.name, full_name: repo.fullName },
    installation: { id: repo.installationId },
  };
};

async function run(event: string, payload: Record<string, unknown>, owner: TestActor | null, calls: string[] = []) {
  const bindings = { ECOSYSTEM: counted('out', env.ECOSYSTEM, calls), ...(owner ? { GITHUB_CONTEXT_OWNER: owner.chittyId } : {}) };
  expect((await runEvents([delivery(event, payload)], 1, bindings as Partial<Cloudflare.Env>)).explicitAcks).toHaveLength(1);
  return calls;
}

interface ContextView {
  chittyId: string;
  name: string;
  owner: string;
  version: number;
  systems: string[];
  data: {
    kind: string;
    repository: { fullName: string };
    languages: Record<string, number>;
    layout: { name: string; type: string }[];
    activity: { openIssues: number; defaultBranchPushes: number };
    contributors: { login: string; contributions: number }[];
    findings: {
      defaultBranch: { sha: string; conclusion: string; bySeverity: Record<string, number> } | null;
      pullRequests: Record<string, number>;
    };
  }[];
}

/** The owner's context for the repository, found by its name through the contexts API. */
async function contextOf(owner: TestActor, repo: Repo): Promise<ContextView | undefined> {
  const res = await call('/v1/contexts/search?q=github', owner.token);
  expect(res.status).toBe(200);
  const { contexts } = (await res.json()) as { contexts: ContextView[] };
  const found = contexts.find((c) => c.name === `github/${repo.fullName}`);
  if (!found) return undefined;
  const one = await call(`/v1/contexts/${found.chittyId}`, owner.token);
  expect(one.status).toBe(200);
  return (await one.json()) as ContextView;
}

describe('repository context', () => {
  it('installing a repository makes its context, readable by its owner through the contexts API (and by nobody else)', async () => {
    const owner = await registeredActor('service');
    const repo = await freshRepo({ 'README.md': '# ctx\n', 'src/index.ts': 'export {};\n', 'package.json': '{}\n' });
    await control('PUT', `/github/repos/${repo.fullName}/languages`, { TypeScript: 12_000, Shell: 300 });
    await control('PUT', `/github/repos/${repo.fullName}/commits`, [
      { login: 'ada', path: 'src/index.ts', message: 'start', date: '2026-01-02T00:00:00Z' },
      { login: 'ada', path: 'README.md', message: 'readme', date: '2026-01-03T00:00:00Z' },
      { login: 'grace', path: 'src/index.ts', message: 'fix', date: '2026-01-04T00:00:00Z' },
    ]);
    const calls = await run('installation', installed(repo), owner);
    const github = calls
      .filter((c) => c.includes('api.github.com/repos/'))
      .map((c) => decodeURIComponent(c.replace(/^out \w+ api\.github\.com/, '')));
    expect(github).toEqual([
      `/repos/${repo.fullName}/contents/.github/chittyconnect.yml`,
      `/repos/${repo.fullName}/languages`,
      `/repos/${repo.fullName}/contents`,
      `/repos/${repo.fullName}/contributors`,
    ]);

    const ctx = await contextOf(owner, repo);
    expect(ctx).toMatchObject({ owner: owner.chittyId, systems: ['github'], version: 1 });
    expect(ctx?.chittyId).toMatch(/-CONTEXT-/); // minted by the ID authority, like every context
    const data = ctx?.data[0];
    expect(data).toMatchObject({
      kind: 'github.repository',
      repository: { fullName: repo.fullName },
      languages: { TypeScript: 12_000, Shell: 300 },
      activity: { openIssues: 0, defaultBranchPushes: 0 },
      findings: { defaultBranch: null, pullRequests: {} },
    });
    expect(data?.layout).toEqual(
      expect.arrayContaining([
        { name: 'README.md', type: 'file' },
        { name: 'src', type: 'dir' },
      ]),
    );
    expect(data?.contributors.map((c) => c.login).sort()).toEqual(['ada', 'grace']);
    // The change went out with its outbox event (to DNA and Chronicle), like every context write.
    const outbox = await env.DB.prepare("SELECT event_type FROM outbox WHERE aggregate_id = ? AND event_type = 'context.created'")
      .bind(ctx?.chittyId)
      .all();
    expect(outbox.results).toHaveLength(1);
    const stranger = await registeredActor('human');
    expect((await call(`/v1/contexts/${ctx?.chittyId}`, stranger.token)).status).toBe(404);
  });

  it('a default-branch push refreshes it; another within 10 minutes does not (but is counted)', async () => {
    const owner = await registeredActor('service');
    const repo = await freshRepo({ 'README.md': '# ctx\n' });
    await run('installation', installed(repo), owner);
    // Read from D1 until the last step: the owner's read cache (60 s) may serve a context the App changed meanwhile.
    const version = async () => {
      const row = await env.DB.prepare(
        'SELECT c.version AS version FROM contexts c JOIN github_repo_contexts g ON g.context_id = c.chitty_id WHERE g.repository_id = ?',
      )
        .bind(repo.id)
        .first<{ version: number }>();
      return row?.version;
    };
    expect(await version()).toBe(1);
    await env.CHITTYCONNECT_KV.delete(`ghrepoctx:v1:${repo.id}`); // the 10 minutes after the install pass
    // The push brings a hard-coded AWS key: its analysis (a check run) records a finding open on the default branch.
    const [before, head] = [newSha(), newSha()];
    const key = ['AKIA', 'Q3TXR7VN2MZ4HB6K'].join(''); // split, so this file holds no key-shaped literal
    const patch = ['@@ -0,0 +1,2 @@', "+const region = 'eu-west-1';", `+const accessKeyId = '${key}';`].join('\n');
    await control('PUT', `/github/repos/${repo.fullName}/compare`, {
      base: before,
      head,
      files: [{ filename: 'src/aws.ts', status: 'added', additions: 2, deletions: 0, patch }],
    });
    await run('push', pushed(repo, head, before), owner);
    expect(await version()).toBe(2);
    const calls = await run('push', pushed(repo), owner);
    expect(calls.filter((c) => /api\.github\.com\/repos\/[^/]+\/[^/]+\/(languages|contributors)/.test(c))).toEqual([]);
    expect(await version()).toBe(2);
    const row = await env.DB.prepare('SELECT pushes FROM github_repo_contexts WHERE repository_id = ?')
      .bind(repo.id)
      .first<{ pushes: number }>();
    expect(row?.pushes).toBe(2);
    const after = await contextOf(owner, repo);
    expect(after?.version).toBe(2);
    expect(after?.data[0]?.activity.defaultBranchPushes).toBe(1); // counted before the refresh it triggered
    // Refreshed after the first push (the second was throttled): the key it brought is open on the default branch.
    expect(after?.data[0]?.findings).toEqual({
      defaultBranch: { sha: head, conclusion: 'failure', bySeverity: expect.objectContaining({ critical: 1 }) },
      pullRequests: {},
    });

    // A pull request still carrying the key at its head: counted under pullRequests on the next refresh.
    await control('PUT', `/github/repos/${repo.fullName}/pulls/7/files`, [
      { filename: 'src/aws.ts', status: 'added', additions: 2, deletions: 0, patch },
    ]);
    const pr = {
      ...prOpened,
      number: 7,
      pull_request: { ...prOpened.pull_request, id: repo.id * 10 + 7, number: 7, head: { ...prOpened.pull_request.head, sha: newSha() } },
      repository: { ...prOpened.repository, id: repo.id, name: repo.name, full_name: repo.fullName },
      installation: { id: repo.installationId },
    };
    await run('pull_request', pr, owner);
    await env.CHITTYCONNECT_KV.delete(`ghrepoctx:v1:${repo.id}`);
    await run('push', pushed(repo), owner);
    const withPr = await env.DB.prepare(
      'SELECT data FROM contexts c JOIN github_repo_contexts g ON g.context_id = c.chitty_id WHERE g.repository_id = ?',
    )
      .bind(repo.id)
      .first<{ data: string }>();
    const data = JSON.parse(withPr?.data ?? '[]') as ContextView['data'];
    expect(data[0]?.findings.pullRequests).toEqual({ critical: 1 });
    expect(data[0]?.findings.defaultBranch?.conclusion).toBe('success'); // the third push was clean
  });

  it('repositories added to an installation get their context too; removed ones are kept inactive, re-added ones active', async () => {
    const owner = await registeredActor('service');
    const first = await freshRepo();
    const name = `ctx-${crypto.randomUUID().slice(0, 8)}`;
    const both = await control<{ repositories: { id: number; full_name: string }[] }>('POST', '/github/installations', {
      id: first.installationId,
      account: { login: 'chitty-labs', id: 90001 },
      repositories: [{ id: first.id, full_name: first.fullName }, { full_name: `chitty-labs/${name}` }],
    });
    const added = both.repositories.find((r) => r.full_name === `chitty-labs/${name}`);
    if (!added) throw new Error('no repository added');
    await run('installation', installed(first), owner);
    await run(
      'installation_repositories',
      {
        ...reposAdded,
        installation: { ...reposAdded.installation, id: first.installationId },
        repositories_added: [{ id: added.id, name, full_name: added.full_name, private: true }],
      },
      owner,
    );
    const second: Repo = { installationId: first.installationId, id: added.id, name, fullName: added.full_name };
    expect((await contextOf(owner, second))?.data[0]?.repository.fullName).toBe(added.full_name);

    // Removed from the installation: kept, inactive; added back: active again.
    const statusOf = async () =>
      (
        await env.DB.prepare(
          'SELECT c.status AS status FROM contexts c JOIN github_repo_contexts g ON g.context_id = c.chitty_id WHERE g.repository_id = ?',
        )
          .bind(added.id)
          .first<{ status: string }>()
      )?.status;
    const installation = { ...reposRemoved.installation, id: first.installationId };
    await run(
      'installation_repositories',
      { ...reposRemoved, installation, repositories_removed: [{ id: added.id, name, full_name: added.full_name }] },
      owner,
    );
    expect(await statusOf()).toBe('inactive');
    await run(
      'installation_repositories',
      { ...reposAdded, installation, repositories_added: [{ id: added.id, name, full_name: added.full_name, private: true }] },
      owner,
    );
    expect(await statusOf()).toBe('active');
  });

  it('a push to another branch changes nothing', async () => {
    const owner = await registeredActor('service');
    const repo = await freshRepo();
    await run('push', { ...pushed(repo), ref: 'refs/heads/feature' }, owner);
    expect(await contextOf(owner, repo)).toBeUndefined();
    const row = await env.DB.prepare('SELECT 1 FROM github_repo_contexts WHERE repository_id = ?').bind(repo.id).first();
    expect(row).toBeNull();
  });

  it('no GITHUB_CONTEXT_OWNER, or context.enabled: false: no context and no GitHub call for it', async () => {
    const owner = await registeredActor('service');
    const unowned = await freshRepo();
    const calls = await run('installation', installed(unowned), null);
    expect(calls.filter((c) => c.includes('api.github.com/repos/'))).toEqual([]);
    expect(await contextOf(owner, unowned)).toBeUndefined();

    const off = await freshRepo({ '.github/chittyconnect.yml': 'context:\n  enabled: false\n' });
    const offCalls = await run('installation', installed(off), owner);
    expect(offCalls.filter((c) => c.includes('api.github.com/repos/')).map((c) => decodeURIComponent(c))).toEqual([
      `out GET api.github.com/repos/${off.fullName}/contents/.github/chittyconnect.yml`,
    ]);
    expect(await contextOf(owner, off)).toBeUndefined();
  });

  it('GITHUB_CONTEXT_OWNER that is not a ChittyID is a configuration error naming the var', () => {
    expect(() => config({ ...env, GITHUB_CONTEXT_OWNER: 'ada@example.com' } as Env)).toThrow(ConfigError);
    expect(() => config({ ...env, GITHUB_CONTEXT_OWNER: 'ada@example.com' } as Env)).toThrow(/GITHUB_CONTEXT_OWNER must be a ChittyID/);
    expect(config({ ...env, GITHUB_CONTEXT_OWNER: ' ' } as Env).githubContextOwner).toBeUndefined(); // blank: unset
  });

  it('a context its owner deleted is made again on the next refresh', async () => {
    const owner = await registeredActor('service');
    const repo = await freshRepo();
    await run('installation', installed(repo), owner);
    const first = await contextOf(owner, repo);
    expect(first).toBeDefined();
    const del = await call(`/v1/contexts/${first?.chittyId}`, owner.token, {
      method: 'DELETE',
      headers: { 'if-match': `"${first?.version}"` },
    });
    expect(del.status).toBe(204);
    await run('installation', installed(repo), owner);
    const again = await contextOf(owner, repo);
    expect(again?.chittyId).toBeDefined();
    expect(again?.chittyId).not.toBe(first?.chittyId);
  });
});
