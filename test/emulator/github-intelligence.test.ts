/**
 * The emulated GitHub's routes for repository intelligence, over the ECOSYSTEM binding: contents
 * (files, directories, refs, the 1 MB limit), check-run annotations (50 per request, appended by
 * PATCH), the check runs of a commit, labels (GitHub's defaults, validation, auto-creation on an
 * issue, removal), compare, commits, languages, contributors and an issue. Storage is shared
 * within this file, so every test uses its own repository (an installation of its own) or issue
 * numbers.
 */

import { env } from 'cloudflare:test';
import { importPKCS8, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { clearFaults, clearRequests, requestsTo } from '../helpers/emulator';

afterEach(clearFaults);

const API = 'https://api.github.com';
const CONTROL = 'http://control.emulator';

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is not bound in vitest.config.ts`);
  return value;
}

async function appJwt(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const key = await importPKCS8(required(env.GITHUB_APP_PRIVATE_KEY, 'GITHUB_APP_PRIVATE_KEY'), 'RS256');
  return new SignJWT({ iss: required(env.GITHUB_APP_ID, 'GITHUB_APP_ID') })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuedAt(now - 30)
    .setExpirationTime(now + 540)
    .sign(key);
}

async function api(path: string, init: { auth?: string; method?: string; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' };
  if (init.auth) headers.authorization = init.auth;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return env.ECOSYSTEM.fetch(`${API}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function control(method: string, path: string, body?: unknown): Promise<Response> {
  return env.ECOSYSTEM.fetch(`${CONTROL}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** An installation of its own with one fresh repository, and an installation token for it. */
async function ownRepo(permissions?: Record<string, string>): Promise<{ repo: string; auth: string }> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const repo = `org-${suffix}/repo-${suffix}`;
  const created = await control('POST', '/github/installations', {
    account: { login: `org-${suffix}` },
    repositories: [{ full_name: repo }],
    ...(permissions ? { permissions } : {}),
  });
  expect(created.status).toBe(201);
  const { id } = await json<{ id: number }>(created);
  const res = await api(`/app/installations/${id}/access_tokens`, { method: 'POST', auth: `Bearer ${await appJwt()}` });
  expect(res.status).toBe(201);
  return { repo, auth: `token ${(await json<{ token: string }>(res)).token}` };
}

function decodeBase64(text: string): string {
  const binary = atob(text.replace(/\n/g, ''));
  return new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
}

describe('contents', () => {
  it('answers a file like GitHub: base64 in 60-character lines, the git blob sha, links', async () => {
    const { repo, auth } = await ownRepo();
    const config = `review:\n  severity: high\n# ${'x'.repeat(120)}\n`;
    expect(
      (await control('PUT', `/github/repos/${repo}/contents`, { files: { '.github/chittyconnect.yml': config, 'README.md': 'hello\n' } }))
        .status,
    ).toBe(204);

    const res = await api(`/repos/${repo}/contents/.github/chittyconnect.yml`, { auth });
    expect(res.status).toBe(200);
    const file = await json<{
      type: string;
      encoding: string;
      size: number;
      name: string;
      path: string;
      content: string;
      sha: string;
      download_url: string;
      html_url: string;
      url: string;
    }>(res);
    expect(file).toMatchObject({
      type: 'file',
      encoding: 'base64',
      size: config.length,
      name: 'chittyconnect.yml',
      path: '.github/chittyconnect.yml',
    });
    expect(decodeBase64(file.content)).toBe(config);
    const lines = file.content.split('\n');
    expect(lines.at(-1)).toBe('');
    for (const line of lines.slice(0, -2)) expect(line).toHaveLength(60);
    // `git hash-object` of "hello\n" is ce013625030ba8dba906f756967f9e9ca394464a.
    const readme = await json<{ sha: string }>(await api(`/repos/${repo}/contents/README.md`, { auth }));
    expect(readme.sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(file.download_url).toBe(`https://raw.githubusercontent.com/${repo}/main/.github/chittyconnect.yml`);
    expect(file.html_url).toBe(`https://github.com/${repo}/blob/main/.github/chittyconnect.yml`);
    expect(file.url).toBe(`https://api.github.com/repos/${repo}/contents/.github/chittyconnect.yml?ref=main`);
  });

  it('lists directories (the root with and without a slash); an absent path is 404', async () => {
    const { repo, auth } = await ownRepo();
    await control('PUT', `/github/repos/${repo}/contents`, {
      files: {
        'src/index.ts': 'export {};\n',
        'src/lib/util.ts': 'export const x = 1;\n',
        'package.json': '{}\n',
        CODEOWNERS: '* @octo\n',
      },
    });
    for (const path of [`/repos/${repo}/contents`, `/repos/${repo}/contents/`]) {
      const root = await json<{ type: string; name: string; path: string; size: number; sha: string }[]>(await api(path, { auth }));
      expect(root.map((e) => [e.type, e.name])).toEqual([
        ['file', 'CODEOWNERS'],
        ['file', 'package.json'],
        ['dir', 'src'],
      ]);
      expect(root.find((e) => e.name === 'src')).toMatchObject({ size: 0, path: 'src', sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    }
    const src = await json<{ type: string; path: string; size: number }[]>(await api(`/repos/${repo}/contents/src`, { auth }));
    expect(src).toEqual([
      expect.objectContaining({ type: 'file', path: 'src/index.ts', size: 11 }),
      expect.objectContaining({ type: 'dir', path: 'src/lib' }),
    ]);
    const missing = await api(`/repos/${repo}/contents/.github/chittyconnect.yml`, { auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ message: 'Not Found', status: '404' });
  });

  it('an empty repository is "This repository is empty."', async () => {
    const { repo, auth } = await ownRepo();
    const res = await api(`/repos/${repo}/contents/`, { auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ message: 'This repository is empty.' });
  });

  it('a ref-specific seed wins when ?ref= matches; other refs see the default files', async () => {
    const { repo, auth } = await ownRepo();
    await control('PUT', `/github/repos/${repo}/contents`, { files: { 'a.txt': 'default\n' } });
    await control('PUT', `/github/repos/${repo}/contents`, { ref: 'abc123', files: { 'a.txt': 'at abc123\n', 'b.txt': 'only here\n' } });
    const read = async (query: string, path = 'a.txt') => {
      const res = await api(`/repos/${repo}/contents/${path}${query}`, { auth });
      return res.status === 200 ? decodeBase64((await json<{ content: string }>(res)).content) : res.status;
    };
    expect(await read('')).toBe('default\n');
    expect(await read('?ref=abc123')).toBe('at abc123\n');
    expect(await read('?ref=abc123', 'b.txt')).toBe('only here\n');
    expect(await read('?ref=other')).toBe('default\n');
    expect(await read('', 'b.txt')).toBe(404);
  });

  it('a file over 1 MB comes without content, encoding "none"; the raw media type gives its text', async () => {
    const { repo, auth } = await ownRepo();
    const big = 'a'.repeat(1024 * 1024 + 1);
    await control('PUT', `/github/repos/${repo}/contents`, { files: { 'dist/bundle.js': big } });
    const file = await json(await api(`/repos/${repo}/contents/dist/bundle.js`, { auth }));
    expect(file).toMatchObject({ type: 'file', encoding: 'none', content: '', size: big.length });
    // The raw media type answers the text itself, whatever its size.
    const raw = await env.ECOSYSTEM.fetch(`${API}/repos/${repo}/contents/dist/bundle.js`, {
      headers: { authorization: auth, accept: 'application/vnd.github.raw+json' },
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toContain('application/vnd.github.raw');
    expect((await raw.arrayBuffer()).byteLength).toBe(big.length);
  });

  it('needs the contents permission (403) and a repository of the installation (404)', async () => {
    const { repo, auth } = await ownRepo({ metadata: 'read', issues: 'write', checks: 'write' });
    await control('PUT', `/github/repos/${repo}/contents`, { files: { 'a.txt': 'x' } });
    const forbidden = await api(`/repos/${repo}/contents/a.txt`, { auth });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ message: 'Resource not accessible by integration' });
    const other = await ownRepo();
    expect((await api(`/repos/${repo}/contents/a.txt`, { auth: other.auth })).status).toBe(404);
    expect((await api(`/repos/${repo}/contents/a.txt`)).status).toBe(401);
  });
});

type Annotation = { path: string; start_line: number; end_line: number; annotation_level: string; message: string };
const annotation = (i: number, extra: Record<string, unknown> = {}) => ({
  path: 'src/app.ts',
  start_line: i + 1,
  end_line: i + 1,
  annotation_level: 'warning',
  message: `finding ${i}`,
  ...extra,
});

describe('check-run annotations', () => {
  it('takes at most 50 per request; PATCH appends; the list is paginated; annotations_count counts them all', async () => {
    const { repo, auth } = await ownRepo();
    const headSha = 'a'.repeat(40);
    const output = (annotations: unknown[]) => ({ title: 'ChittyConnect', summary: 'findings', annotations });
    const tooMany = await api(`/repos/${repo}/check-runs`, {
      method: 'POST',
      auth,
      body: { name: 'ChittyConnect', head_sha: headSha, output: output(Array.from({ length: 51 }, (_, i) => annotation(i))) },
    });
    expect(tooMany.status).toBe(422);
    expect(await tooMany.json()).toMatchObject({
      message: expect.stringContaining('No more than 50 items are allowed; 51 were supplied.'),
    });
    // Nothing was created by the refused request.
    expect(await json(await api(`/repos/${repo}/commits/${headSha}/check-runs`, { auth }))).toMatchObject({
      total_count: 0,
      check_runs: [],
    });

    const created = await api(`/repos/${repo}/check-runs`, {
      method: 'POST',
      auth,
      body: {
        name: 'ChittyConnect',
        head_sha: headSha,
        status: 'in_progress',
        output: output(Array.from({ length: 50 }, (_, i) => annotation(i))),
      },
    });
    expect(created.status).toBe(201);
    const run = await json<{ id: number; output: { annotations_count: number } }>(created);
    expect(run.output.annotations_count).toBe(50);

    const patched = await api(`/repos/${repo}/check-runs/${run.id}`, {
      method: 'PATCH',
      auth,
      body: {
        conclusion: 'failure',
        output: output([annotation(50, { annotation_level: 'failure', title: 'Secret', raw_details: 'AKIA…' })]),
      },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ status: 'completed', conclusion: 'failure', output: { annotations_count: 51 } });
    // A PATCH without output keeps the annotations.
    await api(`/repos/${repo}/check-runs/${run.id}`, { method: 'PATCH', auth, body: { details_url: 'https://example.com/x' } });

    const page1 = await api(`/repos/${repo}/check-runs/${run.id}/annotations?per_page=50`, { auth });
    expect(page1.headers.get('link')).toContain('rel="next"');
    const first = await json<Annotation[]>(page1);
    expect(first).toHaveLength(50);
    expect(first[0]).toMatchObject({
      path: 'src/app.ts',
      start_line: 1,
      message: 'finding 0',
      blob_href: `https://github.com/${repo}/blob/${headSha}/src/app.ts`,
    });
    const second = await json<Annotation[]>(await api(`/repos/${repo}/check-runs/${run.id}/annotations?per_page=50&page=2`, { auth }));
    expect(second).toEqual([
      expect.objectContaining({ start_line: 51, annotation_level: 'failure', title: 'Secret', raw_details: 'AKIA…' }),
    ]);

    const posted = await json<{ checkRuns: { id: number; annotations: Annotation[] }[] }>(
      await control('GET', `/github/posted?repo=${repo}`),
    );
    expect(posted.checkRuns.find((r) => r.id === run.id)?.annotations).toHaveLength(51);
  });

  it('validates each annotation like GitHub: level, columns only on one line, title and message sizes', async () => {
    const { repo, auth } = await ownRepo();
    const post = (a: Record<string, unknown>, output: Record<string, unknown> = { title: 't', summary: 's' }) =>
      api(`/repos/${repo}/check-runs`, {
        method: 'POST',
        auth,
        body: { name: 'x', head_sha: 'b'.repeat(40), output: { ...output, annotations: [a] } },
      });
    expect((await post(annotation(0, { start_column: 3, end_column: 9 }))).status).toBe(201);
    for (const bad of [
      annotation(0, { annotation_level: 'error' }),
      annotation(0, { end_line: 5, start_column: 1, end_column: 2 }),
      annotation(0, { title: 't'.repeat(256) }),
      annotation(0, { message: 'm'.repeat(65536) }),
      annotation(0, { path: undefined }),
    ]) {
      const res = await post(bad);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ message: 'Validation Failed' });
    }
    expect((await post(annotation(0), { summary: 'no title' })).status).toBe(422);
    expect((await post(annotation(0), { title: 't', summary: 's'.repeat(65536) })).status).toBe(422);
  });

  it('lists the check runs of a commit, the latest per name unless filter=all, by check_name', async () => {
    const { repo, auth } = await ownRepo();
    const sha = 'c'.repeat(40);
    const ids: number[] = [];
    for (const name of ['ChittyConnect', 'ChittyConnect', 'lint']) {
      const res = await api(`/repos/${repo}/check-runs`, { method: 'POST', auth, body: { name, head_sha: sha } });
      ids.push((await json<{ id: number }>(res)).id);
    }
    await api(`/repos/${repo}/check-runs`, { method: 'POST', auth, body: { name: 'ChittyConnect', head_sha: 'd'.repeat(40) } });
    const latest = await json<{ total_count: number; check_runs: { id: number; name: string }[] }>(
      await api(`/repos/${repo}/commits/${sha}/check-runs`, { auth }),
    );
    expect(latest.total_count).toBe(2);
    expect(latest.check_runs.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    const all = await json<{ total_count: number }>(await api(`/repos/${repo}/commits/${sha}/check-runs?filter=all`, { auth }));
    expect(all.total_count).toBe(3);
    const named = await json<{ check_runs: { id: number }[] }>(
      await api(`/repos/${repo}/commits/${sha}/check-runs?check_name=ChittyConnect&filter=all`, { auth }),
    );
    expect(named.check_runs.map((r) => r.id)).toEqual([ids[1], ids[0]]);
  });
});

type LabelJson = { id: number; name: string; color: string; description: string | null; default: boolean };

describe('labels', () => {
  it("a repository starts with GitHub's default labels, with their real colours and descriptions", async () => {
    const { repo, auth } = await ownRepo();
    const res = await api(`/repos/${repo}/labels`, { auth });
    expect(res.status).toBe(200);
    const labels = await json<LabelJson[]>(res);
    expect(labels.map((l) => [l.name, l.color])).toEqual([
      ['bug', 'd73a4a'],
      ['documentation', '0075ca'],
      ['duplicate', 'cfd3d7'],
      ['enhancement', 'a2eeef'],
      ['good first issue', '7057ff'],
      ['help wanted', '008672'],
      ['invalid', 'e4e669'],
      ['question', 'd876e3'],
      ['wontfix', 'ffffff'],
    ]);
    expect(labels[0]).toMatchObject({ description: "Something isn't working", default: true });
    const page = await api(`/repos/${repo}/labels?per_page=4&page=3`, { auth });
    expect((await json<LabelJson[]>(page)).map((l) => l.name)).toEqual(['wontfix']);
    expect(page.headers.get('link')).toContain('rel="first"');
  });

  it('creates labels by GitHub’s rules: bad colour, long name or description → 422; a duplicate in any case → already_exists', async () => {
    const { repo, auth } = await ownRepo();
    const create = (body: Record<string, unknown>) => api(`/repos/${repo}/labels`, { method: 'POST', auth, body });
    const created = await create({ name: 'security', color: 'B60205', description: 'A vulnerability' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'security', color: 'b60205', description: 'A vulnerability', default: false });

    for (const bad of [
      { name: 'x', color: '#b60205' },
      { name: 'x', color: 'zzzzzz' },
      { name: 'x', color: 'fff' },
      { name: 'n'.repeat(51) },
      { name: '' },
      { name: 'x', description: 'd'.repeat(101) },
    ]) {
      const res = await create(bad);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ message: 'Validation Failed', errors: [expect.objectContaining({ resource: 'Label' })] });
    }
    const duplicate = await create({ name: 'Bug' });
    expect(duplicate.status).toBe(422);
    expect(await duplicate.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
    });
    const names = (await json<LabelJson[]>(await api(`/repos/${repo}/labels`, { auth }))).map((l) => l.name);
    expect(names.filter((n) => n.toLowerCase() === 'bug')).toEqual(['bug']);
    expect(names).toContain('security');
    expect(names).not.toContain('x');
  });

  it('adding labels to an issue creates the missing ones (as GitHub does) and matches existing names in any case', async () => {
    const { repo, auth } = await ownRepo();
    const added = await api(`/repos/${repo}/issues/7/labels`, { method: 'POST', auth, body: { labels: ['BUG', 'triage/needs-info'] } });
    expect(added.status).toBe(200);
    expect(await added.json()).toEqual([
      expect.objectContaining({ name: 'bug', color: 'd73a4a', default: true }),
      expect.objectContaining({ name: 'triage/needs-info', color: 'ededed', description: null, default: false }),
    ]);
    const repoLabels = (await json<LabelJson[]>(await api(`/repos/${repo}/labels`, { auth }))).map((l) => l.name);
    expect(repoLabels).toContain('triage/needs-info');
    const onIssue = await json<LabelJson[]>(await api(`/repos/${repo}/issues/7/labels`, { auth }));
    expect(onIssue.map((l) => l.name)).toEqual(['bug', 'triage/needs-info']);
  });

  it('removes a label from an issue (404 when it is not on it); a human removal through control shows through the API', async () => {
    const { repo, auth } = await ownRepo();
    await api(`/repos/${repo}/issues/9/labels`, { method: 'POST', auth, body: ['bug', 'question', 'help wanted'] });
    const removed = await api(`/repos/${repo}/issues/9/labels/help%20wanted`, { method: 'DELETE', auth });
    expect(removed.status).toBe(200);
    expect((await json<LabelJson[]>(removed)).map((l) => l.name)).toEqual(['bug', 'question']);
    const again = await api(`/repos/${repo}/issues/9/labels/help%20wanted`, { method: 'DELETE', auth });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ message: 'Label does not exist' });

    expect((await control('DELETE', `/github/repos/${repo}/issues/9/labels/Question`)).status).toBe(204);
    expect((await control('DELETE', `/github/repos/${repo}/issues/9/labels/Question`)).status).toBe(404);
    expect(await json(await control('GET', `/github/repos/${repo}/issues/9/labels`))).toEqual({ labels: ['bug'] });
    const issue = await json<{ number: number; state: string; labels: LabelJson[] }>(await api(`/repos/${repo}/issues/9`, { auth }));
    expect(issue).toMatchObject({ number: 9, state: 'open' });
    expect(issue.labels.map((l) => l.name)).toEqual(['bug']);
  });

  it('control replaces the label set; labels that no longer exist come off issues', async () => {
    const { repo, auth } = await ownRepo();
    await api(`/repos/${repo}/issues/3/labels`, { method: 'POST', auth, body: ['bug', 'enhancement'] });
    const put = await control('PUT', `/github/repos/${repo}/labels`, [
      { name: 'type: bug', color: 'ee0701', description: 'A defect' },
      { name: 'enhancement', color: '84b6eb' },
    ]);
    expect(put.status).toBe(204);
    const labels = await json<LabelJson[]>(await api(`/repos/${repo}/labels`, { auth }));
    expect(labels.map((l) => [l.name, l.color, l.description])).toEqual([
      ['enhancement', '84b6eb', null],
      ['type: bug', 'ee0701', 'A defect'],
    ]);
    expect(await json(await control('GET', `/github/repos/${repo}/issues/3/labels`))).toEqual({ labels: ['enhancement'] });
    expect((await control('PUT', `/github/repos/${repo}/labels`, [{ name: 'a', color: '#123456' }])).status).toBe(400);
  });

  it('writing labels needs issues or pull_requests write (403); reading needs one of them', async () => {
    const { repo, auth } = await ownRepo({ metadata: 'read', contents: 'read', checks: 'write' });
    expect((await api(`/repos/${repo}/labels`, { auth })).status).toBe(403);
    expect((await api(`/repos/${repo}/labels`, { method: 'POST', auth, body: { name: 'x' } })).status).toBe(403);
    expect((await api(`/repos/${repo}/issues/1/labels`, { method: 'POST', auth, body: ['x'] })).status).toBe(403);
    const reader = await ownRepo({ metadata: 'read', issues: 'read' });
    expect((await api(`/repos/${reader.repo}/labels`, { auth: reader.auth })).status).toBe(200);
    expect((await api(`/repos/${reader.repo}/labels`, { method: 'POST', auth: reader.auth, body: { name: 'x' } })).status).toBe(403);
    expect((await api(`/repos/${reader.repo}/labels`, { auth })).status).toBe(404);
  });
});

describe('issues', () => {
  it('answers a seeded issue with its labels and reactions; an unseeded number is a plain open issue', async () => {
    const { repo, auth } = await ownRepo();
    const seeded = await control('PUT', `/github/repos/${repo}/issues/42`, {
      title: 'Crash on startup',
      body: 'It crashes.',
      user: 'octo-reporter',
      reactions: { '+1': 3, eyes: 1 },
    });
    expect(seeded.status).toBe(204);
    await api(`/repos/${repo}/issues/42/labels`, { method: 'POST', auth, body: ['bug'] });
    const issue = await json(await api(`/repos/${repo}/issues/42`, { auth }));
    expect(issue).toMatchObject({
      number: 42,
      title: 'Crash on startup',
      body: 'It crashes.',
      state: 'open',
      user: { login: 'octo-reporter', type: 'User' },
      labels: [expect.objectContaining({ name: 'bug' })],
      reactions: { total_count: 4, '+1': 3, eyes: 1, heart: 0 },
      html_url: `https://github.com/${repo}/issues/42`,
    });
    expect(await json(await api(`/repos/${repo}/issues/43`, { auth }))).toMatchObject({
      number: 43,
      title: 'Issue 43',
      state: 'open',
      labels: [],
    });
    expect((await control('PUT', `/github/repos/${repo}/issues/44`, { body: 'no title' })).status).toBe(400);
  });
});

type CommitJson = {
  sha: string;
  commit: { author: { name: string; email: string; date: string }; message: string };
  author: { login: string; id: number; type: string };
  parents: { sha: string }[];
};
type FileJson = { filename: string; status: string; additions: number; deletions: number; changes: number; patch?: string; sha: string };

describe('compare', () => {
  it('answers a seeded compare: status, ahead/behind, commits oldest first, files with patches', async () => {
    const { repo, auth } = await ownRepo();
    const head = 'e'.repeat(40);
    const seeded = await control('PUT', `/github/repos/${repo}/compare`, {
      base: 'main',
      head,
      behind_by: 2,
      files: [
        { filename: 'src/app.ts', status: 'modified', additions: 1, deletions: 1, patch: '@@ -1 +1 @@\n-a\n+b' },
        { filename: 'yarn.lock', additions: 900, deletions: 0 },
      ],
      commits: [
        { login: 'alice', message: 'first', date: '2026-03-01T10:00:00Z', paths: ['src/app.ts'] },
        { sha: head, login: 'bob', message: 'second', date: '2026-03-02T10:00:00Z', path: 'yarn.lock' },
      ],
    });
    expect(seeded.status).toBe(204);
    const res = await api(`/repos/${repo}/compare/main...${head}`, { auth });
    expect(res.status).toBe(200);
    const cmp = await json<{
      status: string;
      ahead_by: number;
      behind_by: number;
      total_commits: number;
      commits: CommitJson[];
      files: FileJson[];
    }>(res);
    expect(cmp).toMatchObject({ status: 'diverged', ahead_by: 2, behind_by: 2, total_commits: 2 });
    expect(cmp.commits.map((c) => c.commit.message)).toEqual(['first', 'second']);
    expect(cmp.commits[1]).toMatchObject({ sha: head, author: { login: 'bob', type: 'User' }, parents: [{ sha: cmp.commits[0]?.sha }] });
    expect(cmp.files[0]).toMatchObject({ filename: 'src/app.ts', status: 'modified', changes: 2, patch: '@@ -1 +1 @@\n-a\n+b' });
    expect(cmp.files[1]).toMatchObject({ filename: 'yarn.lock', status: 'modified', additions: 900 });
    expect(cmp.files[1]).not.toHaveProperty('patch');
  });

  it('caps files at 300 like GitHub; unseeded compares are generated deterministically; identical refs have nothing', async () => {
    const { repo, auth } = await ownRepo();
    const files = Array.from({ length: 320 }, (_, i) => ({
      filename: `src/f${i}.ts`,
      additions: 1,
      deletions: 0,
      patch: '@@ -0,0 +1 @@\n+x',
    }));
    await control('PUT', `/github/repos/${repo}/compare`, { base: 'v1', head: 'v2', files });
    const capped = await json<{ files: FileJson[] }>(await api(`/repos/${repo}/compare/v1...v2`, { auth }));
    expect(capped.files).toHaveLength(300);

    const a = await json<{ status: string; ahead_by: number; files: FileJson[] }>(
      await api(`/repos/${repo}/compare/main...feature/x`, { auth }),
    );
    const b = await json<{ files: FileJson[] }>(await api(`/repos/${repo}/compare/main...feature/x`, { auth }));
    expect(a).toMatchObject({ status: 'ahead', ahead_by: 1 });
    expect(a.files.length).toBeGreaterThanOrEqual(3);
    expect(b.files).toEqual(a.files);
    expect(await json(await api(`/repos/${repo}/compare/main...main`, { auth }))).toMatchObject({
      status: 'identical',
      ahead_by: 0,
      commits: [],
      files: [],
    });
    expect((await api(`/repos/${repo}/compare/main..main`, { auth })).status).toBe(404);
  });

  it('needs contents: read and a repository of the installation', async () => {
    const { repo, auth } = await ownRepo({ metadata: 'read', issues: 'write' });
    expect((await api(`/repos/${repo}/compare/a...b`, { auth })).status).toBe(403);
    expect((await api(`/repos/${repo}/commits`, { auth })).status).toBe(403);
    const other = await ownRepo();
    expect((await api(`/repos/${repo}/compare/a...b`, { auth: other.auth })).status).toBe(404);
  });
});

describe('commits, contributors, languages', () => {
  const commits = [
    {
      login: 'alice',
      name: 'Alice A',
      email: 'alice@example.com',
      message: 'Add auth',
      date: '2026-02-01T09:00:00Z',
      paths: ['src/auth/login.ts', 'src/auth/session.ts'],
    },
    { login: 'bob', message: 'Fix parser', date: '2026-02-03T09:00:00Z', path: 'src/parser.ts' },
    { login: 'alice', message: 'Docs', date: '2026-02-02T09:00:00Z', paths: ['README.md'] },
    { login: 'carol', message: 'Session fix', date: '2026-02-04T09:00:00Z', paths: ['src/auth/session.ts'] },
  ];

  it('lists seeded commits newest first, filtered by path prefix, author and time, paginated', async () => {
    const { repo, auth } = await ownRepo();
    expect(await json(await api(`/repos/${repo}/commits`, { auth }))).toEqual([]);
    expect((await control('PUT', `/github/repos/${repo}/commits`, commits)).status).toBe(204);
    const all = await json<CommitJson[]>(await api(`/repos/${repo}/commits`, { auth }));
    expect(all.map((c) => c.commit.message)).toEqual(['Session fix', 'Fix parser', 'Docs', 'Add auth']);
    for (const c of all) expect(c.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(all[3]).toMatchObject({
      commit: { author: { name: 'Alice A', email: 'alice@example.com', date: '2026-02-01T09:00:00Z' } },
      author: { login: 'alice', type: 'User' },
      parents: [],
    });
    expect(all[0]?.parents).toEqual([expect.objectContaining({ sha: all[1]?.sha })]);

    const byPath = await json<CommitJson[]>(await api(`/repos/${repo}/commits?path=src/auth`, { auth }));
    expect(byPath.map((c) => c.commit.message)).toEqual(['Session fix', 'Add auth']);
    const byFile = await json<CommitJson[]>(await api(`/repos/${repo}/commits?path=src/auth/login.ts`, { auth }));
    expect(byFile.map((c) => c.author.login)).toEqual(['alice']);
    // A path prefix matches directories, not partial names.
    expect(await json(await api(`/repos/${repo}/commits?path=src/au`, { auth }))).toEqual([]);
    const byAuthor = await json<CommitJson[]>(await api(`/repos/${repo}/commits?author=alice&since=2026-02-02T00:00:00Z`, { auth }));
    expect(byAuthor.map((c) => c.commit.message)).toEqual(['Docs']);
    const page = await api(`/repos/${repo}/commits?per_page=3`, { auth });
    expect(await json<CommitJson[]>(page)).toHaveLength(3);
    expect(page.headers.get('link')).toContain('rel="next"');
  });

  it('counts contributors from the seeded commits', async () => {
    const { repo, auth } = await ownRepo();
    expect(await json(await api(`/repos/${repo}/contributors`, { auth }))).toEqual([]);
    await control('PUT', `/github/repos/${repo}/commits`, commits);
    const contributors = await json<{ login: string; contributions: number; type: string; id: number }[]>(
      await api(`/repos/${repo}/contributors`, { auth }),
    );
    expect(contributors.map((c) => [c.login, c.contributions])).toEqual([
      ['alice', 2],
      ['bob', 1],
      ['carol', 1],
    ]);
    expect(contributors[0]).toMatchObject({ type: 'User', id: expect.any(Number) });
  });

  it('answers seeded languages, else counts bytes of the seeded files by extension, leaving out vendored and prose files', async () => {
    const { repo, auth } = await ownRepo();
    expect(await json(await api(`/repos/${repo}/languages`, { auth }))).toEqual({});
    await control('PUT', `/github/repos/${repo}/contents`, {
      files: {
        'src/index.ts': 'x'.repeat(300),
        'src/view.tsx': 'x'.repeat(50),
        'scripts/build.mjs': 'x'.repeat(120),
        'tools/gen.py': 'x'.repeat(40),
        Dockerfile: 'x'.repeat(10),
        'README.md': 'x'.repeat(5000),
        'package.json': 'x'.repeat(5000),
        'node_modules/lib/index.js': 'x'.repeat(9000),
        'public/app.min.js': 'x'.repeat(9000),
      },
    });
    const derived = await api(`/repos/${repo}/languages`, { auth });
    expect(await derived.text()).toBe(JSON.stringify({ TypeScript: 350, JavaScript: 120, Python: 40, Dockerfile: 10 }));
    await control('PUT', `/github/repos/${repo}/languages`, { Go: 10, Rust: 2000 });
    expect(await json(await api(`/repos/${repo}/languages`, { auth }))).toEqual({ Rust: 2000, Go: 10 });
    const other = await ownRepo();
    expect((await api(`/repos/${repo}/languages`, { auth: other.auth })).status).toBe(404);
  });
});

describe('request log', () => {
  it('records the intelligence calls, so tests can count GitHub calls per event', async () => {
    const { repo, auth } = await ownRepo();
    await clearRequests();
    await api(`/repos/${repo}/contents/.github/chittyconnect.yml`, { auth });
    await api(`/repos/${repo}/labels`, { auth });
    const logged = await requestsTo({ host: 'api.github.com' });
    expect(logged.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `GET /repos/${repo}/contents/.github/chittyconnect.yml 404`,
      `GET /repos/${repo}/labels 200`,
    ]);
  });
});
