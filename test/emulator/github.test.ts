/**
 * The emulator's GitHub (hosts `api.*` and `github.*`, control routes under `/github`), driven
 * over the ECOSYSTEM binding: App JWT checks, installation tokens and repository scoping, pull
 * request files (seeded and generated), what the App posts, webhook deliveries and redelivery,
 * the OAuth code exchange, rate-limit headers and faults that answer like GitHub's rate limits.
 * Storage is shared within this file, so every test uses its own issue numbers, repositories and
 * delivery guids.
 */

import { env } from 'cloudflare:test';
import { verify } from '@octokit/webhooks-methods';
import { importPKCS8, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { clearFaults } from '../helpers/emulator';

afterEach(clearFaults);

const API = 'https://api.github.com';
const CONTROL = 'http://control.emulator';
const SEEDED = 41001;

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is not bound in vitest.config.ts`);
  return value;
}
const APP_ID = required(env.GITHUB_APP_ID, 'GITHUB_APP_ID');

interface JwtOptions {
  iat?: number;
  exp?: number;
  iss?: string | number;
  privateKey?: string;
}

async function appJwt(options: JwtOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const key = await importPKCS8(options.privateKey ?? required(env.GITHUB_APP_PRIVATE_KEY, 'GITHUB_APP_PRIVATE_KEY'), 'RS256');
  // JWTPayload types `iss` as a string; GitHub (and the emulator) also take the App id as a number.
  const claims: Record<string, unknown> = { iss: options.iss ?? APP_ID };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuedAt(options.iat ?? now - 30)
    .setExpirationTime(options.exp ?? now + 540)
    .sign(key);
}

async function otherPrivateKey(): Promise<string> {
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const der = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer);
  const b64 = btoa(String.fromCharCode(...der));
  return `-----BEGIN PRIVATE KEY-----\n${b64.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function api(path: string, init: { auth?: string; method?: string; body?: unknown; host?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' };
  if (init.auth) headers.authorization = init.auth;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return env.ECOSYSTEM.fetch(`${init.host ?? API}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
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

async function installationToken(id = SEEDED): Promise<string> {
  const res = await api(`/app/installations/${id}/access_tokens`, { method: 'POST', auth: `Bearer ${await appJwt()}` });
  expect(res.status).toBe(201);
  return (await json<{ token: string }>(res)).token;
}

/** An installation of its own, with one repository, for tests that change installations. */
async function ownInstallation(extra: Record<string, unknown> = {}): Promise<{ id: number; repo: string }> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const repo = `org-${suffix}/repo-${suffix}`;
  const res = await control('POST', '/github/installations', {
    account: { login: `org-${suffix}` },
    repositories: [{ full_name: repo }],
    ...extra,
  });
  expect(res.status).toBe(201);
  return { id: (await json<{ id: number }>(res)).id, repo };
}

const issueNumber = () => 1000 + Math.floor(Math.random() * 1_000_000);

describe('App JWT', () => {
  it('a valid JWT reads the App; every answer carries rate-limit headers that count down', async () => {
    const jwt = await appJwt();
    const first = await api('/app', { auth: `Bearer ${jwt}` });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ id: Number(APP_ID), slug: 'chittyconnect-dev', name: 'ChittyConnect (dev)' });
    expect(first.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(first.headers.get('x-ratelimit-resource')).toBe('core');
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset % 3600).toBe(0);
    const second = await api('/app', { auth: `Bearer ${jwt}` });
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(Number(first.headers.get('x-ratelimit-remaining')) - 1);
    expect(Number(second.headers.get('x-ratelimit-used'))).toBe(Number(first.headers.get('x-ratelimit-used')) + 1);

    // The issuer may be the number as well as the string.
    expect((await api('/app', { auth: `Bearer ${await appJwt({ iss: Number(APP_ID) })}` })).status).toBe(200);

    // POST /reset empties the counters.
    expect((await control('POST', '/reset')).status).toBe(204);
    const fresh = await api('/app', { auth: `Bearer ${jwt}` });
    expect(fresh.headers.get('x-ratelimit-remaining')).toBe('4999');
  });

  it('refuses a JWT signed with another key, an expired one, one that lives too long, a wrong issuer, and none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string | undefined, RegExp][] = [
      [await appJwt({ privateKey: await otherPrivateKey() }), /^A JSON web token could not be decoded$/],
      [await appJwt({ iat: now - 700, exp: now - 100 }), /'Expiration time' claim \('exp'\) must be a numeric value/],
      [await appJwt({ iat: now - 30, exp: now + 600 }), /'Expiration time' claim \('exp'\) is too far in the future/],
      [await appJwt({ iat: now + 300, exp: now + 400 }), /'Issued at' claim/],
      [await appJwt({ iss: '999' }), /'Issuer' claim/],
      ['not.a.jwt', /^A JSON web token could not be decoded$/],
      [undefined, /^A JSON web token could not be decoded$/],
    ];
    for (const [jwt, message] of cases) {
      const res = await api('/app/installations', { auth: jwt === undefined ? undefined : `Bearer ${jwt}` });
      expect(res.status).toBe(401);
      const body = await json<{ message: string; documentation_url: string; status: string }>(res);
      expect(body.message).toMatch(message);
      expect(body).toMatchObject({ documentation_url: 'https://docs.github.com/rest', status: '401' });
      expect(res.headers.get('x-ratelimit-limit')).toBe('5000');
    }
  });

  it('lists and reads installations; unknown ids and unknown routes are GitHub-shaped 404s', async () => {
    const auth = `Bearer ${await appJwt()}`;
    const list = await json<{ id: number }[]>(await api('/app/installations?per_page=100', { auth }));
    expect(list.map((i) => i.id)).toContain(SEEDED);
    const one = await api(`/app/installations/${SEEDED}`, { auth });
    expect(await one.json()).toMatchObject({
      id: SEEDED,
      app_id: Number(APP_ID),
      account: { login: 'chitty-labs', id: 90001, type: 'Organization' },
      target_type: 'Organization',
      repository_selection: 'selected',
      permissions: { contents: 'read', metadata: 'read', pull_requests: 'write', issues: 'write', checks: 'write' },
      events: ['push', 'pull_request', 'issues', 'installation', 'installation_repositories'],
      suspended_at: null,
      suspended_by: null,
    });
    const missing = await api('/app/installations/999', { auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    expect(missing.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    expect((await api('/no/such/route', { auth })).status).toBe(404);
    const byRepo = await api('/repos/chitty-labs/lander/installation', { auth });
    expect(await byRepo.json()).toMatchObject({ id: SEEDED });
  });
});

describe('installation tokens', () => {
  it('are issued for an hour and see exactly the installation’s repositories', async () => {
    const res = await api(`/app/installations/${SEEDED}/access_tokens`, { method: 'POST', auth: `Bearer ${await appJwt()}` });
    expect(res.status).toBe(201);
    const issued = await json<{ token: string; expires_at: string; permissions: Record<string, string>; repository_selection: string }>(
      res,
    );
    expect(issued.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    const lifetime = Date.parse(issued.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(3500_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);
    expect(issued).toMatchObject({ permissions: { checks: 'write' }, repository_selection: 'selected' });

    for (const auth of [`token ${issued.token}`, `Bearer ${issued.token}`]) {
      const repos = await api('/installation/repositories', { auth });
      expect(repos.status).toBe(200);
      expect(await repos.json()).toMatchObject({
        total_count: 2,
        repository_selection: 'selected',
        repositories: [
          { id: 700002, name: 'lander', full_name: 'chitty-labs/lander', private: false, owner: { login: 'chitty-labs' } },
          { id: 700001, name: 'rocket', full_name: 'chitty-labs/rocket', private: false, owner: { login: 'chitty-labs' } },
        ],
      });
    }
    const page = await api('/installation/repositories?per_page=1', { auth: `token ${issued.token}` });
    expect(page.headers.get('link')).toBe(
      '<https://api.github.com/installation/repositories?per_page=1&page=2>; rel="next", <https://api.github.com/installation/repositories?per_page=1&page=2>; rel="last"',
    );

    // Outside the installation: 404. A token this emulator never issued: 401. A JWT is not a token.
    expect((await api('/repos/someone-else/rocket/pulls/1/files', { auth: `token ${issued.token}` })).status).toBe(404);
    const bogus = await api('/installation/repositories', { auth: `token ghs_${'x'.repeat(36)}` });
    expect(bogus.status).toBe(401);
    expect(await bogus.json()).toMatchObject({ message: 'Bad credentials' });
    expect((await api('/installation/repositories', { auth: `Bearer ${await appJwt()}` })).status).toBe(403);
  });

  it('a suspended installation gets no token; a deleted one’s tokens stop working', async () => {
    const auth = `Bearer ${await appJwt()}`;
    const suspended = await ownInstallation({ suspended: true });
    const refused = await api(`/app/installations/${suspended.id}/access_tokens`, { method: 'POST', auth });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ message: 'This installation has been suspended' });
    expect(await json(await api(`/app/installations/${suspended.id}`, { auth }))).toMatchObject({
      suspended_by: { login: expect.any(String) },
    });

    const doomed = await ownInstallation();
    const token = await installationToken(doomed.id);
    expect((await api('/installation/repositories', { auth: `token ${token}` })).status).toBe(200);
    expect((await control('DELETE', `/github/installations/${doomed.id}`)).status).toBe(204);
    expect((await api('/installation/repositories', { auth: `token ${token}` })).status).toBe(401);
    expect((await api(`/app/installations/${doomed.id}`, { auth })).status).toBe(404);
    expect((await api(`/app/installations/${doomed.id}/access_tokens`, { method: 'POST', auth })).status).toBe(404);
    expect((await control('DELETE', `/github/installations/${doomed.id}`)).status).toBe(404);
  });
});

describe('pull request files', () => {
  it('are generated deterministically when none were seeded, paginated with a Link header', async () => {
    const auth = `token ${await installationToken()}`;
    const number = issueNumber();
    const path = `/repos/chitty-labs/rocket/pulls/${number}/files`;
    const all = await json<{ filename: string; additions: number; deletions: number; changes: number; sha: string; status: string }[]>(
      await api(`${path}?per_page=100`, { auth }),
    );
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.length).toBeLessThanOrEqual(12);
    expect(new Set(all.map((f) => f.filename)).size).toBe(all.length);
    for (const f of all) {
      expect(f.changes).toBe(f.additions + f.deletions);
      expect(f.sha).toMatch(/^[0-9a-f]{40}$/);
    }
    expect(all.some((f) => f.filename.startsWith('src/'))).toBe(true);
    // The same pull request always has the same files, in any casing of the repository name.
    expect(await json(await api(`/repos/Chitty-Labs/Rocket/pulls/${number}/files?per_page=100`, { auth }))).toEqual(all);

    const first = await api(`${path}?per_page=2`, { auth });
    expect(await first.json()).toEqual(all.slice(0, 2));
    const lastPage = Math.ceil(all.length / 2);
    expect(first.headers.get('link')).toBe(
      `<https://api.github.com${path}?per_page=2&page=2>; rel="next", <https://api.github.com${path}?per_page=2&page=${lastPage}>; rel="last"`,
    );
    const last = await api(`${path}?per_page=2&page=${lastPage}`, { auth });
    expect(last.headers.get('link')).not.toContain('rel="next"');
  });

  it('seeded files win, with their patches', async () => {
    const auth = `token ${await installationToken()}`;
    const number = issueNumber();
    const files = Array.from({ length: 5 }, (_, i) => ({
      filename: `docs/page-${i}.md`,
      additions: i,
      deletions: 1,
      patch: `@@ -1 +1 @@\n-a${i}\n+b${i}`,
    }));
    expect((await control('PUT', `/github/repos/chitty-labs/lander/pulls/${number}/files`, files)).status).toBe(204);
    const page3 = await api(`/repos/chitty-labs/lander/pulls/${number}/files?per_page=2&page=3`, { auth });
    expect(await page3.json()).toEqual([
      expect.objectContaining({
        filename: 'docs/page-4.md',
        status: 'modified',
        additions: 4,
        deletions: 1,
        changes: 5,
        patch: '@@ -1 +1 @@\n-a4\n+b4',
      }),
    ]);
    expect(page3.headers.get('link')).not.toContain('rel="next"');
    const invalid = await control('PUT', `/github/repos/chitty-labs/lander/pulls/${number}/files`, [{ filename: 'x' }]);
    expect(invalid.status).toBe(400);
  });
});

describe('what the App posts', () => {
  it('creates and edits comments; /github/posted shows them with their edit count', async () => {
    const auth = `token ${await installationToken()}`;
    const number = issueNumber();
    const created = await api(`/repos/chitty-labs/rocket/issues/${number}/comments`, {
      method: 'POST',
      auth,
      body: { body: 'first draft' },
    });
    expect(created.status).toBe(201);
    const comment = await json<{ id: number; body: string; user: { login: string; type: string }; html_url: string }>(created);
    expect(comment).toMatchObject({ body: 'first draft', user: { login: 'chittyconnect-dev[bot]', type: 'Bot' } });
    expect(comment.html_url).toContain(`/chitty-labs/rocket/issues/${number}#issuecomment-${comment.id}`);

    const edited = await api(`/repos/chitty-labs/rocket/issues/comments/${comment.id}`, { method: 'PATCH', auth, body: { body: 'final' } });
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({ id: comment.id, body: 'final' });
    // The same id through another repository of the installation is not found.
    expect(
      (await api(`/repos/chitty-labs/lander/issues/comments/${comment.id}`, { method: 'PATCH', auth, body: { body: 'x' } })).status,
    ).toBe(404);
    expect((await api('/repos/chitty-labs/rocket/issues/comments/999999999', { method: 'PATCH', auth, body: { body: 'x' } })).status).toBe(
      404,
    );

    const listed = await json<{ id: number; body: string }[]>(await api(`/repos/chitty-labs/rocket/issues/${number}/comments`, { auth }));
    expect(listed).toEqual([expect.objectContaining({ id: comment.id, body: 'final' })]);

    const posted = await json<{ comments: Record<string, unknown>[] }>(await control('GET', '/github/posted?repo=chitty-labs/rocket'));
    expect(posted.comments.find((c) => c.id === comment.id)).toMatchObject({
      repo: 'chitty-labs/rocket',
      issueNumber: number,
      body: 'final',
      edits: 1,
    });
  });

  it('rejects bad bodies like GitHub: 400 for broken JSON, 422 Validation Failed otherwise', async () => {
    const auth = `token ${await installationToken()}`;
    const path = `/repos/chitty-labs/rocket/issues/${issueNumber()}/comments`;
    const broken = await api(path, { method: 'POST', auth, body: '{"body":' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ message: 'Problems parsing JSON' });
    const missing = await api(path, { method: 'POST', auth, body: {} });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }],
    });
    expect(await json(await api(path, { auth }))).toEqual([]);
  });

  it('adds labels and answers every label now on the issue', async () => {
    const auth = `token ${await installationToken()}`;
    const number = issueNumber();
    const path = `/repos/chitty-labs/rocket/issues/${number}/labels`;
    const first = await api(path, { method: 'POST', auth, body: { labels: ['size/M', 'area/api'] } });
    expect(first.status).toBe(200);
    const second = await json<{ id: number; name: string; color: string }[]>(
      await api(path, { method: 'POST', auth, body: { labels: ['size/M', 'bug'] } }),
    );
    expect(second.map((l) => l.name)).toEqual(['area/api', 'bug', 'size/M']);
    for (const l of second) expect(l.color).toMatch(/^[0-9a-f]{6}$/);
    expect((await api(path, { method: 'POST', auth, body: { labels: [] } })).status).toBe(422);
    const posted = await json<{ labels: { repo: string; issueNumber: number; name: string }[] }>(
      await control('GET', '/github/posted?repo=chitty-labs/rocket'),
    );
    expect(
      posted.labels
        .filter((l) => l.issueNumber === number)
        .map((l) => l.name)
        .sort(),
    ).toEqual(['area/api', 'bug', 'size/M']);
  });

  it('creates and completes check runs', async () => {
    const auth = `token ${await installationToken()}`;
    const headSha = crypto.randomUUID().replaceAll('-', '').padEnd(40, '0');
    const created = await api('/repos/chitty-labs/lander/check-runs', {
      method: 'POST',
      auth,
      body: { name: 'ChittyConnect', head_sha: headSha, status: 'in_progress', output: { title: 'Checking', summary: 'Working on it' } },
    });
    expect(created.status).toBe(201);
    const run = await json<{ id: number; status: string; conclusion: string | null; html_url: string }>(created);
    expect(run).toMatchObject({
      name: 'ChittyConnect',
      head_sha: headSha,
      status: 'in_progress',
      conclusion: null,
      output: { title: 'Checking', summary: 'Working on it' },
    });
    expect(run.html_url).toBe(`https://github.com/chitty-labs/lander/runs/${run.id}`);

    const done = await api(`/repos/chitty-labs/lander/check-runs/${run.id}`, {
      method: 'PATCH',
      auth,
      body: { conclusion: 'success', output: { title: 'Done', summary: 'All good', text: 'details' } },
    });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({
      id: run.id,
      status: 'completed',
      conclusion: 'success',
      completed_at: expect.any(String),
      output: { title: 'Done', text: 'details' },
    });

    const incomplete = await api('/repos/chitty-labs/lander/check-runs', {
      method: 'POST',
      auth,
      body: { name: 'x', head_sha: headSha, status: 'completed' },
    });
    expect(incomplete.status).toBe(422);
    expect((await api('/repos/chitty-labs/lander/check-runs', { method: 'POST', auth, body: { head_sha: headSha } })).status).toBe(422);
    expect(
      (await api(`/repos/chitty-labs/rocket/check-runs/${run.id}`, { method: 'PATCH', auth, body: { status: 'queued' } })).status,
    ).toBe(404);

    const posted = await json<{ checkRuns: Record<string, unknown>[] }>(await control('GET', '/github/posted?repo=chitty-labs/lander'));
    expect(posted.checkRuns.find((r) => r.id === run.id)).toMatchObject({
      repo: 'chitty-labs/lander',
      name: 'ChittyConnect',
      headSha,
      status: 'completed',
      conclusion: 'success',
      title: 'Done',
      summary: 'All good',
    });
  });
});

describe('webhook deliveries', () => {
  async function recordDelivery(statusCode: number): Promise<{ id: number; guid: string }> {
    const res = await control('POST', '/github/hook-deliveries', {
      event: 'issues',
      payload: { action: 'opened', issue: { number: 7 }, repository: { id: 700001 }, installation: { id: SEEDED } },
      statusCode,
    });
    expect(res.status).toBe(201);
    return json(res);
  }

  it('lists newest first, a cursor Link leads to the older ones', async () => {
    const auth = `Bearer ${await appJwt()}`;
    const mine = [await recordDelivery(202), await recordDelivery(503), await recordDelivery(202)];
    const seen: { id: number; guid: string; status: string; status_code: number; redelivery: boolean }[] = [];
    let url: string | null = `${API}/app/hook/deliveries?per_page=2`;
    for (let pages = 0; url && pages < 50; pages++) {
      const res = await env.ECOSYSTEM.fetch(url, { headers: { authorization: auth } });
      expect(res.status).toBe(200);
      const page = await json<typeof seen>(res);
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page);
      const link = res.headers.get('link');
      if (link) expect(link).toMatch(/^<https:\/\/api\.github\.com\/app\/hook\/deliveries\?per_page=2&cursor=[^>]+>; rel="next"$/);
      url = link ? (/<([^>]+)>/.exec(link)?.[1] ?? null) : null;
    }
    const ids = seen.map((d) => d.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const found = mine.map((m) => seen.find((d) => d.guid === m.guid));
    expect(found.map((d) => d?.id)).toEqual(mine.map((m) => m.id));
    expect(found[1]).toMatchObject({
      status: 'Invalid HTTP Response: 503',
      status_code: 503,
      redelivery: false,
      event: 'issues',
      action: 'opened',
      installation_id: SEEDED,
      repository_id: 700001,
    });
    expect(found[0]).toMatchObject({ status: 'OK', status_code: 202 });
    expect((await api('/app/hook/deliveries?cursor=garbage', { auth })).status).toBe(422);
  });

  it('shows a delivery with its signed request; redelivery without a target stays pending', async () => {
    const auth = `Bearer ${await appJwt()}`;
    const failed = await recordDelivery(500);
    const detail = await json<{
      guid: string;
      request: { headers: Record<string, string>; payload: unknown };
      response: { headers: Record<string, string>; payload: string | null };
    }>(await api(`/app/hook/deliveries/${failed.id}`, { auth }));
    expect(detail.request.headers).toMatchObject({
      'X-GitHub-Event': 'issues',
      'X-GitHub-Delivery': failed.guid,
      'User-Agent': 'GitHub-Hookshot/emulator',
    });
    const body = JSON.stringify(detail.request.payload);
    const secret = required(env.GITHUB_WEBHOOK_SECRET, 'GITHUB_WEBHOOK_SECRET');
    expect(await verify(secret, body, required(detail.request.headers['X-Hub-Signature-256'], 'signature'))).toBe(true);

    const attempt = await api(`/app/hook/deliveries/${failed.id}/attempts`, { method: 'POST', auth });
    expect(attempt.status).toBe(202);
    expect(await attempt.json()).toEqual({});
    expect((await api('/app/hook/deliveries/999999999/attempts', { method: 'POST', auth })).status).toBe(404);

    const { deliveries } = await json<{
      deliveries: {
        id: number;
        redelivery: boolean;
        status: string;
        status_code: number;
        request: { headers: Record<string, string>; body: string };
      }[];
    }>(await control('GET', `/github/hook-deliveries?guid=${failed.guid}`));
    expect(deliveries).toHaveLength(2);
    expect(deliveries[0]).toMatchObject({ id: failed.id, redelivery: false, status_code: 500 });
    const pending = deliveries[1];
    expect(pending).toMatchObject({ redelivery: true, status: 'pending', status_code: 0 });
    expect(pending?.id).toBeGreaterThan(failed.id);
    // What a test would send to the worker itself: the exact body, signed.
    expect(pending?.request.body).toBe(body);
    expect(await verify(secret, body, required(pending?.request.headers['X-Hub-Signature-256'], 'signature'))).toBe(true);
  });
});

describe('OAuth', () => {
  it('exchanges a code once for a user token that sees its installations', async () => {
    const own = await ownInstallation();
    const code = (
      await json<{ code: string }>(await control('POST', '/github/oauth-codes', { login: 'ada', installationIds: [SEEDED, own.id] }))
    ).code;
    const exchange = (params: Record<string, string>, accept = 'application/json') =>
      env.ECOSYSTEM.fetch('https://github.com/login/oauth/access_token', {
        method: 'POST',
        headers: { accept, 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
    const client = {
      client_id: required(env.GITHUB_CLIENT_ID, 'GITHUB_CLIENT_ID'),
      client_secret: required(env.GITHUB_CLIENT_SECRET, 'GITHUB_CLIENT_SECRET'),
    };

    const wrongSecret = await exchange({ ...client, client_secret: 'nope', code });
    expect(wrongSecret.status).toBe(200);
    expect(await wrongSecret.json()).toMatchObject({ error: 'incorrect_client_credentials' });

    const ok = await exchange({ ...client, code });
    const token = await json<{ access_token: string; token_type: string; scope: string }>(ok);
    expect(token).toEqual({ access_token: expect.stringMatching(/^ghu_/), token_type: 'bearer', scope: '' });
    expect(await json(await exchange({ ...client, code }))).toMatchObject({ error: 'bad_verification_code' });

    const user = await api('/user', { auth: `token ${token.access_token}` });
    expect(await user.json()).toMatchObject({ login: 'ada', type: 'User', id: expect.any(Number) });
    const installations = await json<{ total_count: number; installations: { id: number }[] }>(
      await api('/user/installations', { auth: `Bearer ${token.access_token}` }),
    );
    expect(installations.total_count).toBe(2);
    expect(installations.installations.map((i) => i.id).sort()).toEqual([SEEDED, own.id].sort());
    // An installation token is not a user token.
    expect((await api('/user', { auth: `token ${await installationToken()}` })).status).toBe(403);
  });

  it('answers form-encoded without Accept: application/json, and takes form bodies', async () => {
    const code = (await json<{ code: string }>(await control('POST', '/github/oauth-codes', { login: 'grace', installationIds: [] }))).code;
    const form = new URLSearchParams({
      client_id: required(env.GITHUB_CLIENT_ID, 'GITHUB_CLIENT_ID'),
      client_secret: required(env.GITHUB_CLIENT_SECRET, 'GITHUB_CLIENT_SECRET'),
      code,
    });
    const res = await env.ECOSYSTEM.fetch('https://github.com/login/oauth/access_token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(res.headers.get('content-type')).toContain('application/x-www-form-urlencoded');
    const answer = new URLSearchParams(new TextDecoder().decode(await res.arrayBuffer()));
    expect(answer.get('access_token')).toMatch(/^ghu_/);
    expect(answer.get('token_type')).toBe('bearer');

    // The browser step, emulated: authorize redirects straight back with a code and the state.
    const authorize = await env.ECOSYSTEM.fetch(
      `https://github.com/login/oauth/authorize?client_id=${form.get('client_id')}&redirect_uri=${encodeURIComponent('http://localhost:8787/cb')}&state=s1`,
      { redirect: 'manual' },
    );
    expect(authorize.status).toBe(302);
    const back = new URL(required(authorize.headers.get('location') ?? undefined, 'location'));
    expect(back.origin + back.pathname).toBe('http://localhost:8787/cb');
    expect(back.searchParams.get('state')).toBe('s1');
    form.set('code', required(back.searchParams.get('code') ?? undefined, 'code'));
    const exchanged = await env.ECOSYSTEM.fetch('https://github.com/login/oauth/access_token', {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const token = (await json<{ access_token: string }>(exchanged)).access_token;
    expect(await json(await api('/user', { auth: `token ${token}` }))).toMatchObject({ login: 'chitty-dev' });
    const visible = await json<{ installations: { id: number }[] }>(await api('/user/installations', { auth: `token ${token}` }));
    expect(visible.installations.map((i) => i.id)).toContain(SEEDED);
  });
});

describe('faults on the GitHub hosts', () => {
  it('an error fault answers with the given status, headers and body, then clears', async () => {
    const host = `api.t-${crypto.randomUUID().slice(0, 8)}.test`;
    const set = await control('PUT', `/faults/${host}`, {
      mode: 'error',
      status: 403,
      headers: { 'retry-after': '1', 'x-ratelimit-remaining': '0' },
      body: '{"message":"You have exceeded a secondary rate limit"}',
      times: 2,
    });
    expect(set.status).toBe(200);
    const auth = `Bearer ${await appJwt()}`;
    for (let i = 0; i < 2; i++) {
      const res = await api('/app', { auth, host: `https://${host}` });
      expect(res.status).toBe(403);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(res.headers.get('x-emulator-fault')).toBe('error');
      expect(await res.json()).toEqual({ message: 'You have exceeded a secondary rate limit' });
    }
    expect((await api('/app', { auth, host: `https://${host}` })).status).toBe(200);
    const bad = await control('PUT', `/faults/${host}`, { mode: 'error', headers: { 'bad header': 'x' } });
    expect(bad.status).toBe(400);
  });
});
