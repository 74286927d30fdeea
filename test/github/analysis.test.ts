/**
 * Repository intelligence end to end: pull_request and push deliveries through the queue consumer,
 * the engine and the emulated GitHub — one "ChittyConnect" check run per head sha with annotations
 * (batched 50 a request), its conclusion from the config's thresholds, the summary comment with the
 * findings (new vs still present), nothing written twice for one sha, the config's switches and
 * problems, and the GitHub calls each update costs (from the emulator's request log).
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { githubClient } from '../../src/github/client/api';
import { loadRepoConfig } from '../../src/github/intelligence/config';
import pushFixture from '../fixtures/github/push.json';
import { clearFaults, requestsTo, setFault } from '../helpers/emulator';
import { control, delivery, freshNumber, pullRequest, runEvents } from '../helpers/github';

const OWNER = 'chitty-labs';
const REPO = 'rocket';
const REPOSITORY_ID = 700001;
const gh = () => githubClient(env, 41001);
const newSha = () => [...crypto.getRandomValues(new Uint8Array(20))].map((b) => b.toString(16).padStart(2, '0')).join('');

/** A GitHub Actions expression, `${{ … }}`. */
const expr = (e: string) => `\${{ ${e} }}`;

type File = { filename: string; status?: string; additions: number; deletions: number; patch?: string };
/** A new file's patch: every line added. */
const added = (filename: string, lines: string[]): File => ({
  filename,
  status: 'added',
  additions: lines.length,
  deletions: 0,
  patch: [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n'),
});

/** An AWS access key id that is not a documentation example (random, with digits, as real ones have). */
function awsKey(seed: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let a = seed >>> 0;
  let out = 'AKIA';
  for (let i = 0; i < 16; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out += i % 4 === 1 ? String(2 + (((t ^ (t >>> 14)) >>> 0) % 8)) : alphabet[((t ^ (t >>> 14)) >>> 0) % 32];
  }
  return out;
}

async function seedPr(number: number, files: File[]): Promise<void> {
  await control('PUT', `/github/repos/${OWNER}/${REPO}/pulls/${number}/files`, files);
}

/** The config file at one commit (an empty file: the defaults, whatever another test put on the default branch). */
async function seedConfig(sha: string, text = ''): Promise<void> {
  await control('PUT', `/github/repos/${OWNER}/${REPO}/contents`, { ref: sha, files: { '.github/chittyconnect.yml': text } });
}

async function deliverPr(number: number, head: string, action = 'opened') {
  return runEvents([delivery('pull_request', pullRequest(action, number, head))]);
}

async function checkRuns(sha: string) {
  const { data } = await gh().request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    owner: OWNER,
    repo: REPO,
    ref: sha,
    filter: 'all',
  });
  return data.check_runs;
}

async function annotations(checkRunId: number) {
  return gh().paginate('GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations', {
    owner: OWNER,
    repo: REPO,
    check_run_id: checkRunId,
    per_page: 100,
  });
}

async function comments(number: number) {
  const { data } = await gh().request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: OWNER,
    repo: REPO,
    issue_number: number,
  });
  return data;
}

/** GitHub calls about the repository made while `fn` ran, as `METHOD /path` with numbers as N. */
async function githubCalls(fn: () => Promise<unknown>): Promise<string[]> {
  const before = (await requestsTo({ host: 'api.github.com' })).length;
  await fn();
  return (await requestsTo({ host: 'api.github.com' }))
    .slice(before)
    .filter((r) => r.path.startsWith(`/repos/${OWNER}/${REPO}/`))
    .map((r) => `${r.method} ${r.path.replace(`/repos/${OWNER}/${REPO}`, '').replace(/\/\d+(?=\/|$)/g, '/N')}`);
}

const planted = (key: string) =>
  added('src/aws.ts', [
    "import { S3 } from '@aws-sdk/client-s3';",
    `const accessKeyId = '${key}';`,
    'export const s3 = new S3({ region: "eu-west-1" });',
  ]);

describe('pull request analysis', () => {
  it('a planted AWS key: check run failure with an annotation on its line; the comment links to it; the budget holds', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head);
    await seedPr(number, [planted(awsKey(number)), added('test/aws.test.ts', ["it('works', () => {});"])]);
    let result: Awaited<ReturnType<typeof runEvents>> | undefined;
    const calls = await githubCalls(async () => {
      result = await deliverPr(number, head);
    });
    expect(result?.explicitAcks).toHaveLength(1);
    expect(calls.sort()).toEqual(
      [
        'GET /contents/.github%2Fchittyconnect.yml', // the config at the head sha
        `GET /pulls/N/files`,
        'POST /check-runs',
        'GET /issues/N/comments', // a comment of ours D1 does not know? (new PRs only)
        'POST /issues/N/comments',
      ].sort(),
    );
    const [run, ...others] = await checkRuns(head);
    expect(others).toHaveLength(0);
    expect(run).toMatchObject({ name: 'ChittyConnect', conclusion: 'failure', status: 'completed' });
    expect(run?.output.title).toBe('1 finding: 1 critical');
    const notes = await annotations(Number(run?.id));
    expect(notes).toEqual([
      expect.objectContaining({
        path: 'src/aws.ts',
        start_line: 2,
        end_line: 2,
        annotation_level: 'failure',
        title: 'AWS access key id (critical)',
      }),
    ]);
    expect(notes[0]?.message).toContain('Fix: ');
    expect(notes[0]?.message).not.toContain(awsKey(number)); // never the secret's value
    const [comment, ...more] = await comments(number);
    expect(more).toHaveLength(0);
    expect(comment?.body).toContain('**1 finding** · 1 new · 0 still present from earlier pushes · check run: **failure**');
    expect(comment?.body).toContain(`(https://github.com/${OWNER}/${REPO}/blob/${head}/src/aws.ts#L2)`);
    expect(comment?.body).not.toContain(awsKey(number));
    const row = await env.DB.prepare(
      'SELECT conclusion, check_run_id, published_at FROM github_analyses WHERE repository_id = ? AND head_sha = ?',
    )
      .bind(REPOSITORY_ID, head)
      .first();
    expect(row).toMatchObject({ conclusion: 'failure', check_run_id: Number(run?.id) });
    expect(row?.published_at).not.toBeNull();
  });

  it('a clean PR: success, no annotations, "No findings"', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head);
    await seedPr(number, [
      added('src/sum.ts', ['export const sum = (a: number, b: number) => a + b;']),
      added('test/sum.test.ts', ['// ok']),
    ]);
    await deliverPr(number, head);
    const [run] = await checkRuns(head);
    expect(run).toMatchObject({ name: 'ChittyConnect', conclusion: 'success' });
    expect(run?.output.title).toBe('No findings');
    expect(await annotations(Number(run?.id))).toEqual([]);
    expect((await comments(number))[0]?.body).toContain('No findings in the changed lines.');
  });

  it('the comment says what changed and why it matters: areas, risk flags and the files behind them', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head);
    await seedPr(number, [
      added('packages/api/src/routes.ts', ['export const routes = [];']),
      added('packages/api/src/db.ts', ['export const db = null;']),
      added('packages/web/index.ts', ['export {};']),
      added('migrations/0002_users.sql', ['CREATE TABLE users (id INTEGER PRIMARY KEY);']),
      added('Dockerfile', ['FROM node:20-slim']),
      { filename: 'package.json', status: 'modified', additions: 1, deletions: 1 },
    ]);
    await deliverPr(number, head);
    const body = (await comments(number))[0]?.body ?? '';
    expect(body).toContain(
      '**Areas:** <code>(root)</code> (2) · <code>packages/api</code> (2) · <code>migrations</code> (1) · <code>packages/web</code> (1)',
    );
    for (const flag of [
      'dependencies changed',
      'database migrations changed',
      'deployment or repository configuration changed',
      'code changed without test changes',
    ]) {
      expect(body).toContain(`⚠️ ${flag}`);
    }
    expect(body).toContain('- <code>migrations/0002&#95;users.sql</code>: database migrations changed');
    expect(body).toContain('- <code>Dockerfile</code>: deployment or repository configuration changed');
    expect(body).toContain('**Not analysed** (1 file): <code>package.json</code> (no diff from GitHub: binary or too large).');
  });

  it('the same head sha again (a redelivery, a reopen): no second check run, no comment edit', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head);
    await seedPr(number, [planted(awsKey(number + 1))]);
    await deliverPr(number, head);
    const calls = await githubCalls(async () => {
      expect((await deliverPr(number, head, 'synchronize')).explicitAcks).toHaveLength(1);
      expect((await deliverPr(number, head, 'reopened')).explicitAcks).toHaveLength(1);
    });
    expect(calls).toEqual([]);
    expect(await checkRuns(head)).toHaveLength(1);
    const posted = await control<{ comments: { issueNumber: number; edits: number }[] }>('GET', `/github/posted?repo=${OWNER}/${REPO}`);
    expect(posted.comments.filter((c) => c.issueNumber === number)).toEqual([expect.objectContaining({ edits: 0 })]);
  });

  it('a late delivery of an older head (by the PR’s updated_at) publishes nothing over the newer head', async () => {
    const number = freshNumber();
    const [older, newer] = [newSha(), newSha()];
    await seedConfig(older);
    await seedConfig(newer);
    await seedPr(number, [planted(awsKey(number + 7))]);
    const at = (head: string, updatedAt: string) => {
      const p = pullRequest('synchronize', number, head);
      return delivery('pull_request', { ...p, pull_request: { ...p.pull_request, updated_at: updatedAt } });
    };
    await runEvents([at(newer, '2026-11-30T10:05:00Z')]);
    const calls = await githubCalls(async () => {
      expect((await runEvents([at(older, '2026-11-30T10:00:00Z')])).explicitAcks).toHaveLength(1);
    });
    expect(calls).toEqual([]);
    expect(await checkRuns(older)).toEqual([]);
    expect(await checkRuns(newer)).toHaveLength(1);
    expect((await comments(number)).map((c) => c.body?.includes(newer.slice(0, 7)))).toEqual([true]);
  });

  it('two concurrent deliveries of one head sha publish once', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head);
    await seedPr(number, [planted(awsKey(number + 2))]);
    const runs = await Promise.all([deliverPr(number, head), deliverPr(number, head, 'synchronize')]);
    expect(runs.reduce((n, r) => n + r.explicitAcks.length + r.retryMessages.length, 0)).toBe(2);
    expect(await checkRuns(head)).toHaveLength(1);
    expect(await comments(number)).toHaveLength(1);
  });

  it('a second push with the same finding shows it as still present, not new; a new one as new', async () => {
    const number = freshNumber();
    const [first, second] = [newSha(), newSha()];
    await seedConfig(first);
    await seedConfig(second);
    const key = awsKey(number + 3);
    await seedPr(number, [planted(key)]);
    await deliverPr(number, first);
    // The key moved down two lines; a workflow with a script injection arrived.
    await seedPr(number, [
      added('src/aws.ts', ['// S3 client', '', "import { S3 } from '@aws-sdk/client-s3';", `const accessKeyId = '${key}';`]),
      added('.github/workflows/greet.yml', [
        'on: pull_request_target',
        'jobs:',
        '  greet:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        `      - run: echo "Thanks for ${expr('github.event.pull_request.title')}"`,
      ]),
    ]);
    await deliverPr(number, second, 'synchronize');
    const [run] = await checkRuns(second);
    const notes = await annotations(Number(run?.id));
    expect(notes.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual(
      expect.arrayContaining([
        ['src/aws.ts', 4, 'failure'],
        ['.github/workflows/greet.yml', 6, 'failure'],
      ]),
    );
    const [comment, ...more] = await comments(number);
    expect(more).toHaveLength(0); // the same comment, edited
    expect(comment?.body).toMatch(/· 1 still present from earlier pushes ·/);
    expect(comment?.body).toContain(`Updated for ${second.slice(0, 7)}`);
    const lines = (comment?.body ?? '').split('\n');
    const keyLine = lines.find((l) => l.includes('src/aws.ts:4'));
    const injection = lines.find((l) => l.includes('.github/workflows/greet.yml:6'));
    expect(keyLine).toContain('_(still present)_');
    expect(injection).toBeDefined();
    expect(injection).not.toContain('still present');
    expect(lines.indexOf(injection ?? '')).toBeLessThan(lines.indexOf(keyLine ?? '')); // new ones first
    expect(run?.output.summary).toContain('1 still present from earlier pushes of this pull request.');
    const stored = await env.DB.prepare(
      'SELECT first_sha, last_sha, line FROM github_findings WHERE repository_id = ? AND pr_number = ? AND rule_id = ?',
    )
      .bind(REPOSITORY_ID, number, 'secrets.aws-access-key-id')
      .all();
    expect(stored.results).toEqual([{ first_sha: first, last_sha: second, line: 4 }]);
  });

  it('120 findings: annotations in three requests (50 + 50 + 20); max_annotations caps them', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head);
    const keys = Array.from({ length: 120 }, (_, i) => `export const key${i} = '${awsKey(number * 1000 + i)}';`);
    await seedPr(number, [added('src/keys.ts', keys)]);
    const calls = await githubCalls(() => deliverPr(number, head));
    expect(calls.filter((c) => c.includes('/check-runs'))).toEqual(['POST /check-runs', 'PATCH /check-runs/N', 'PATCH /check-runs/N']);
    const [run] = await checkRuns(head);
    const notes = await annotations(Number(run?.id));
    expect(notes).toHaveLength(120);
    expect(new Set(notes.map((a) => a.start_line)).size).toBe(120);
    // Each PATCH sends the whole output again: the findings table (`text`) survives the later batches.
    expect(run?.output.text).toContain('src/keys.ts');

    const capped = freshNumber();
    const cappedHead = newSha();
    await seedConfig(cappedHead, 'analysis:\n  max_annotations: 60\n');
    await seedPr(capped, [added('src/keys.ts', keys)]);
    const cappedCalls = await githubCalls(() => deliverPr(capped, cappedHead));
    expect(cappedCalls.filter((c) => c.includes('/check-runs'))).toEqual(['POST /check-runs', 'PATCH /check-runs/N']);
    const [cappedRun] = await checkRuns(cappedHead);
    expect(await annotations(Number(cappedRun?.id))).toHaveLength(60);
    expect(cappedRun?.output.summary).toContain('Annotations: the first 60 of 120');
  });
});

describe('GitHub’s limits', () => {
  it('a findings table over 65,535 characters is cut at a line with a note; GitHub accepts the run', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head, 'analysis:\n  max_annotations: 50\n');
    const path = `src/${'deeply/nested/'.repeat(14)}credentials-loader.ts`;
    const keys = Array.from({ length: 300 }, (_, i) => `export const key${i} = '${awsKey(number * 1000 + i)}';`);
    await seedPr(number, [added(path, keys)]);
    expect((await deliverPr(number, head)).explicitAcks).toHaveLength(1);
    const [run] = await checkRuns(head);
    expect(run).toMatchObject({ conclusion: 'failure' });
    const text = run?.output.text ?? '';
    expect(text.length).toBeLessThanOrEqual(65535);
    expect(text).toMatch(/\n\n_…cut here: GitHub takes at most 65,535 characters\._$/);
    expect(text.split('\n').at(-3)).toMatch(/ \|$/); // whole rows only
  });
});

describe('configuration', () => {
  it('analysis.enabled: false → a skipped check run without annotations; summary.enabled: false → no comment', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head, 'analysis:\n  enabled: false\nsummary:\n  enabled: false\n');
    await seedPr(number, [planted(awsKey(number + 4))]);
    const calls = await githubCalls(() => deliverPr(number, head));
    expect(calls).toEqual(['GET /contents/.github%2Fchittyconnect.yml', 'POST /check-runs']); // no files read, no comment
    const [run] = await checkRuns(head);
    expect(run).toMatchObject({ conclusion: 'skipped' });
    expect(run?.output.title).toBe('Analysis turned off');
    expect(await annotations(Number(run?.id))).toEqual([]);
    expect(await comments(number)).toEqual([]);
  });

  it('invalid config: each problem in the check run summary with its line; the rest of the file still applies', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head, 'analysis:\n  fail_on: critical\n  warn_on: loud\n  ignore-paths: [docs/**]\n');
    await seedPr(number, [
      added('.github/workflows/ci.yml', [
        'on: issues',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        `      - run: echo "${expr('github.event.issue.title')}"`,
      ]),
    ]);
    await deliverPr(number, head);
    const [run] = await checkRuns(head);
    // fail_on: critical applies (a high finding does not fail); warn_on falls back to medium → neutral.
    expect(run).toMatchObject({ conclusion: 'neutral' });
    expect(run?.output.summary).toContain('**Configuration problems**');
    expect(run?.output.summary).toContain('<code>.github/chittyconnect.yml</code>, line 3, column 12: <code>analysis.warn&#95;on:');
    expect(run?.output.summary).toContain('line 4, column 3: <code>analysis: unknown setting &#34;ignore-paths&#34;');
    expect((await comments(number))[0]?.body).toContain('has 2 problems: see the check run.');
  });

  it('ignore_paths and disabled_rules leave those findings out; fail_on: never makes a finding neutral at most', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head, 'analysis:\n  ignore_paths: ["legacy/**"]\n  disabled_rules: [gha.*]\n  fail_on: never\n');
    await seedPr(number, [
      added('legacy/aws.ts', [`const id = '${awsKey(number + 5)}';`]),
      added('.github/workflows/ci.yml', [
        'on: issues',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        `      - run: echo "${expr('github.event.issue.title')}"`,
      ]),
      planted(awsKey(number + 6)),
    ]);
    await deliverPr(number, head);
    const [run] = await checkRuns(head);
    expect(run).toMatchObject({ conclusion: 'neutral' });
    expect((await annotations(Number(run?.id))).map((a) => a.path)).toEqual(['src/aws.ts']);
    expect(run?.output.summary).toContain('<code>legacy/aws.ts</code>: ignored by analysis.ignore_paths');
  });

  it('names and messages a PR author controls are inert in the check run and the comment', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head);
    const evil = 'src/@everyone [x](https://evil.test) <img src=x>.ts';
    await seedPr(number, [added(evil, [`const k = '${awsKey(number + 7)}';`])]);
    await deliverPr(number, head);
    const [run] = await checkRuns(head);
    const body = (await comments(number))[0]?.body ?? '';
    for (const text of [body, run?.output.summary ?? '', run?.output.text ?? '']) {
      expect(text).not.toContain('@everyone');
      expect(text).not.toContain('<img');
      expect(text).not.toContain('[x](');
    }
    expect(body).toContain(`/blob/${head}/src/%40everyone%20%5Bx%5D%28https%3A//evil.test%29%20%3Cimg%20src%3Dx%3E.ts#L1`);
  });
});

describe('crash recovery', () => {
  it('a stale claim with a recorded check run reuses it: no second check run; the comment and record are written', async () => {
    const number = freshNumber();
    const head = newSha();
    await seedConfig(head);
    await seedPr(number, [planted(awsKey(number + 8))]);
    // A run that created the check run, recorded it, and crashed before the comment.
    const { data: created } = await gh().request('POST /repos/{owner}/{repo}/check-runs', {
      owner: OWNER,
      repo: REPO,
      name: 'ChittyConnect',
      head_sha: head,
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'x', summary: 'x' },
    });
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    await env.DB.prepare(
      'INSERT INTO github_analyses (repository_id, head_sha, pr_number, check_run_id, claimed_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    )
      .bind(REPOSITORY_ID, head, number, created.id, old, old)
      .run();
    const calls = await githubCalls(() => deliverPr(number, head));
    expect(calls.filter((c) => c.includes('/check-runs'))).toEqual([]);
    expect(await checkRuns(head)).toHaveLength(1);
    expect(await comments(number)).toHaveLength(1);
    const row = await env.DB.prepare('SELECT published_at FROM github_analyses WHERE repository_id = ? AND head_sha = ?')
      .bind(REPOSITORY_ID, head)
      .first();
    expect(row?.published_at).not.toBeNull();
  });

  it('a stale claim without a check run is published again; a fresh one sends the delivery back to the queue', async () => {
    const number = freshNumber();
    const [stale, fresh] = [newSha(), newSha()];
    await seedConfig(stale);
    await seedConfig(fresh);
    await seedPr(number, [planted(awsKey(number + 9))]);
    const claim = (sha: string, at: string) =>
      env.DB.prepare('INSERT INTO github_analyses (repository_id, head_sha, pr_number, claimed_at, created_at) VALUES (?, ?, ?, ?, ?)')
        .bind(REPOSITORY_ID, sha, number, at, at)
        .run();
    await claim(stale, new Date(Date.now() - 10 * 60_000).toISOString());
    await claim(fresh, new Date().toISOString());
    expect((await deliverPr(number, stale)).explicitAcks).toHaveLength(1);
    expect(await checkRuns(stale)).toHaveLength(1);
    expect((await deliverPr(number, fresh, 'synchronize')).retryMessages).toHaveLength(1);
    expect(await checkRuns(fresh)).toHaveLength(0);
  });
});

describe('pushes to the default branch', () => {
  const push = (before: string, after: string, ref = 'refs/heads/main') => ({
    ...pushFixture,
    ref,
    before,
    after,
    commits: [{ ...pushFixture.commits[0], id: after }],
  });

  it('compare before...after (one call), one check run on `after`, no comment', async () => {
    const [before, after] = [newSha(), newSha()];
    await seedConfig(after);
    await control('PUT', `/github/repos/${OWNER}/${REPO}/compare`, {
      base: before,
      head: after,
      files: [planted(awsKey(11)), added('README.md', ['# rocket'])],
    });
    let acks = 0;
    const calls = await githubCalls(async () => {
      acks = (await runEvents([delivery('push', push(before, after))])).explicitAcks.length;
    });
    expect(acks).toBe(1);
    expect(calls.sort()).toEqual(
      [`GET /compare/${before}...${after}`, 'GET /contents/.github%2Fchittyconnect.yml', 'POST /check-runs'].sort(),
    );
    const [run, ...others] = await checkRuns(after);
    expect(others).toHaveLength(0);
    expect(run).toMatchObject({ name: 'ChittyConnect', conclusion: 'failure' });
    expect((await annotations(Number(run?.id))).map((a) => [a.path, a.start_line])).toEqual([['src/aws.ts', 2]]);
    expect(run?.output.summary).not.toContain('still present');
  });

  it('a compare GitHub cannot make (before gone after a force push): nothing published, the delivery succeeds', async () => {
    const [before, after] = [newSha(), newSha()];
    await seedConfig(after);
    await loadRepoConfig(gh(), env.CHITTYCONNECT_KV, { owner: OWNER, repo: REPO, repositoryId: REPOSITORY_ID }, after); // cached: the compare is the next GitHub call
    await setFault('api.github.com', { mode: 'error', status: 404, times: 1, body: '{"message":"Not Found"}' });
    try {
      expect((await runEvents([delivery('push', push(before, after))])).explicitAcks).toHaveLength(1);
    } finally {
      await clearFaults();
    }
    expect(await checkRuns(after)).toHaveLength(0);
  });

  it('a push to another branch, a new branch and a deleted one are not analysed', async () => {
    const zeros = '0'.repeat(40);
    const cases = [push(newSha(), newSha(), 'refs/heads/feature'), push(zeros, newSha()), { ...push(newSha(), zeros), deleted: true }];
    const calls = await githubCalls(async () => {
      for (const p of cases) expect((await runEvents([delivery('push', p)])).explicitAcks).toHaveLength(1);
    });
    expect(calls).toEqual([]);
  });
});
