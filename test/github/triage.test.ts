/**
 * Issue triage through the queue consumer and the emulated GitHub: type labels mapped onto the
 * repository's labels and one comment; an edit updates the same comment; a label a person removed
 * stays removed; config turning triage off writes nothing; duplicates named with their score;
 * CODEOWNERS and recent committers as suggested (never pinged) assignees; missing labels created
 * only with `create_labels`; bots' issues left alone; the optional AI wording; calls counted.
 * Each test gets a repository of its own (a fresh installation), so caches and labels never mix.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import issueOpened from '../fixtures/github/issues.opened.json';
import { control, counted, delivery, postedOn, runEvents } from '../helpers/github';

const API = 'api.github.com';
const MARKER = '<!-- chittyconnect:triage -->';

interface Repo {
  installationId: number;
  id: number;
  owner: string;
  name: string;
  fullName: string;
}

/** A repository of its own, in a new installation of the App (GitHub's default labels). */
async function freshRepo(files: Record<string, string> = {}, permissions?: Record<string, string>): Promise<Repo> {
  const name = `triage-${crypto.randomUUID().slice(0, 8)}`;
  const created = await control<{ id: number; repositories: { id: number; full_name: string }[] }>('POST', '/github/installations', {
    account: { login: 'chitty-labs', id: 90001 },
    repositories: [{ full_name: `chitty-labs/${name}` }],
    ...(permissions ? { permissions } : {}),
  });
  const repo = created.repositories[0];
  if (!repo) throw new Error('no repository created');
  if (Object.keys(files).length > 0) await control('PUT', `/github/repos/chitty-labs/${name}/contents`, { files });
  return { installationId: created.id, id: repo.id, owner: 'chitty-labs', name, fullName: repo.full_name };
}

let tick = 0;
/** GitHub's `updated_at`: a day ahead and later on every call, so each edit is newer than the App's last write. */
function later(): string {
  tick += 1000;
  return new Date(Date.now() + 86_400_000 + tick).toISOString();
}

function issuePayload(
  repo: Repo,
  action: string,
  issue: { number: number; title: string; body?: string; labels?: string[]; user?: { login: string; type: string }; state?: string },
  extra: Record<string, unknown> = {},
) {
  return {
    ...issueOpened,
    action,
    issue: {
      ...issueOpened.issue,
      id: repo.id * 1000 + issue.number,
      number: issue.number,
      title: issue.title,
      body: issue.body ?? '',
      state: issue.state ?? 'open',
      updated_at: later(),
      user: issue.user ?? { login: 'ada', id: 50001, type: 'User' },
      labels: (issue.labels ?? []).map((name) => ({ name })),
    },
    repository: { ...issueOpened.repository, id: repo.id, name: repo.name, full_name: repo.fullName },
    installation: { id: repo.installationId },
    ...extra,
  };
}

/** Runs one `issues` delivery; returns the GitHub API calls it made (method and path, numbers as N). */
async function run(payload: Record<string, unknown>, bindings: Partial<Cloudflare.Env> = {}): Promise<string[]> {
  const calls: string[] = [];
  const result = await runEvents([delivery('issues', payload)], 1, { ECOSYSTEM: counted('out', env.ECOSYSTEM, calls), ...bindings });
  expect(result.explicitAcks).toHaveLength(1);
  return calls
    .filter((c) => c.includes(`${API}/repos/`))
    .map((c) => decodeURIComponent(c.replace(/^out /, '').replace(API, '')).replace(/\/\d+(?=\/|$)/g, '/N'));
}

const writes = (calls: string[]) => calls.filter((c) => !c.startsWith('GET '));

async function labelsOn(repo: Repo, number: number): Promise<string[]> {
  return (await control<{ labels: string[] }>('GET', `/github/repos/${repo.fullName}/issues/${number}/labels`)).labels;
}

const CRASH = {
  title: 'App crashes on startup with TypeError after upgrading to 2.3.0',
  body: [
    '**Describe the bug**',
    'Since 2.3.0 the app crashes right after launch.',
    '',
    '**Steps to reproduce**',
    '1. Install 2.3.0',
    '2. Run `rocket start`',
    '',
    '```',
    "TypeError: Cannot read properties of undefined (reading 'thrust')",
    '    at Engine.ignite (src/engine/ignite.ts:42:17)',
    '```',
    '',
    '**Expected behavior**',
    'It starts as in 2.2.x.',
  ].join('\n'),
};

describe('issue triage', () => {
  it('an issue gets its type label and one comment; an edit updates that comment; GitHub calls counted', async () => {
    const repo = await freshRepo();
    const opened = await run(issuePayload(repo, 'opened', { number: 1, ...CRASH }));
    expect(await labelsOn(repo, 1)).toEqual(['bug']);
    let posted = await postedOn(1, repo.fullName);
    expect(posted.comments).toHaveLength(1);
    const body = posted.comments[0]?.body ?? '';
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body).toContain('**Type:** bug');
    expect(body).toMatch(/\*\*Priority:\*\* \S+ (critical|high)/);
    expect(body).toContain('**Labels added:** `bug`');
    // config, labels, add labels, comment — CODEOWNERS (3 places) and one path's commits because the stack trace names a file.
    expect(opened).toEqual([
      `GET /repos/chitty-labs/${repo.name}/contents/.github/chittyconnect.yml`,
      `GET /repos/chitty-labs/${repo.name}/labels`,
      `POST /repos/chitty-labs/${repo.name}/issues/N/labels`,
      `GET /repos/chitty-labs/${repo.name}/contents/.github/CODEOWNERS`,
      `GET /repos/chitty-labs/${repo.name}/contents/CODEOWNERS`,
      `GET /repos/chitty-labs/${repo.name}/contents/docs/CODEOWNERS`,
      `GET /repos/chitty-labs/${repo.name}/commits`,
      `POST /repos/chitty-labs/${repo.name}/issues/N/comments`,
    ]);

    const edited = await run(
      issuePayload(repo, 'edited', { number: 1, ...CRASH, body: `${CRASH.body}\n\nAlso on 2.3.1.`, labels: ['bug'] }),
    );
    posted = await postedOn(1, repo.fullName);
    expect(posted.comments).toHaveLength(1);
    expect(posted.comments[0]?.edits).toBe(1);
    // Config (60 s), labels, CODEOWNERS and committers (10 min) come from the cache; the label is on already: only the edit.
    expect(edited).toEqual([`PATCH /repos/chitty-labs/${repo.name}/issues/comments/N`]);
    // The same edit again (a redelivery under a new id, or an edit that changes nothing triage shows): no write at all.
    const again = await run(
      issuePayload(repo, 'edited', { number: 1, ...CRASH, body: `${CRASH.body}\n\nAlso on 2.3.1.`, labels: ['bug'] }),
    );
    expect(writes(again)).toEqual([]);
    expect((await postedOn(1, repo.fullName)).comments[0]?.edits).toBe(1);
  });

  it('a label a person removed stays removed on the next edit (seen in the payload, or from an unlabeled event)', async () => {
    const repo = await freshRepo();
    await run(issuePayload(repo, 'opened', { number: 2, ...CRASH }));
    expect(await labelsOn(repo, 2)).toEqual(['bug']);
    await control('DELETE', `/github/repos/${repo.fullName}/issues/2/labels/bug`); // a person takes it off (no webhook needed)
    const edited = await run(issuePayload(repo, 'edited', { number: 2, ...CRASH, title: `${CRASH.title} (still)` }));
    expect(await labelsOn(repo, 2)).toEqual([]);
    expect(edited.filter((c) => c.endsWith('/labels'))).toEqual([]);
    const comment = (await postedOn(2, repo.fullName)).comments[0]?.body ?? '';
    expect(comment).toContain('**Not re-added** (removed by a person earlier): `bug`');

    // The `unlabeled` event path: a person removes it before the App ever added it again.
    await run(
      issuePayload(repo, 'opened', { number: 3, title: 'Add an option to export telemetry as CSV', body: 'Would be nice to have.' }),
    );
    const added = await labelsOn(repo, 3);
    expect(added).toEqual(['enhancement']);
    await control('DELETE', `/github/repos/${repo.fullName}/issues/3/labels/enhancement`);
    await run(
      issuePayload(
        repo,
        'unlabeled',
        { number: 3, title: 'Add an option to export telemetry as CSV', labels: [] },
        {
          label: { name: 'enhancement' },
          sender: { login: 'grace', id: 50002, type: 'User' },
        },
      ),
    );
    // An edit whose payload is older than the App's last write cannot show a removal; the unlabeled event did.
    const stale = issuePayload(repo, 'edited', { number: 3, title: 'Add an option to export telemetry as CSV, please', labels: [] });
    await run({ ...stale, issue: { ...stale.issue, updated_at: '2020-01-01T00:00:00Z' } });
    expect(await labelsOn(repo, 3)).toEqual([]);
  });

  it('a label removed by a bot (the App itself) is not a person’s decision', async () => {
    const repo = await freshRepo();
    await run(issuePayload(repo, 'opened', { number: 4, ...CRASH }));
    await control('DELETE', `/github/repos/${repo.fullName}/issues/4/labels/bug`);
    const payload = issuePayload(
      repo,
      'unlabeled',
      { number: 4, ...CRASH },
      { label: { name: 'bug' }, sender: { login: 'chittyconnect[bot]', type: 'Bot' } },
    );
    await run({ ...payload, issue: { ...payload.issue, updated_at: '2020-01-01T00:00:00Z' } });
    const old = issuePayload(repo, 'edited', { number: 4, ...CRASH });
    await run({ ...old, issue: { ...old.issue, updated_at: '2020-01-01T00:00:00Z' } });
    expect(await labelsOn(repo, 4)).toEqual(['bug']);
  });

  it('config turning triage off: nothing is written (0 write calls, no label, no comment)', async () => {
    const repo = await freshRepo({ '.github/chittyconnect.yml': 'triage:\n  enabled: false\n' });
    const calls = await run(issuePayload(repo, 'opened', { number: 5, ...CRASH }));
    expect(writes(calls)).toEqual([]);
    expect(calls).toEqual([`GET /repos/chitty-labs/${repo.name}/contents/.github/chittyconnect.yml`]);
    expect(await labelsOn(repo, 5)).toEqual([]);
    expect((await postedOn(5, repo.fullName)).comments).toEqual([]);
  });

  it('GitHub refusing the writes for good (issues: read only) is logged, not retried: the delivery is processed', async () => {
    const repo = await freshRepo({}, { contents: 'read', metadata: 'read', issues: 'read' });
    const calls = await run(issuePayload(repo, 'opened', { number: 7, ...CRASH })); // run() asserts the delivery was acked
    expect(writes(calls)).toEqual([
      `POST /repos/chitty-labs/${repo.name}/issues/N/labels`,
      `POST /repos/chitty-labs/${repo.name}/issues/N/comments`,
    ]);
    expect(await labelsOn(repo, 7)).toEqual([]);
    expect((await postedOn(7, repo.fullName)).comments).toEqual([]);
  });

  it('an issue opened by a bot is left alone (no GitHub call at all)', async () => {
    const repo = await freshRepo();
    const calls = await run(issuePayload(repo, 'opened', { number: 6, ...CRASH, user: { login: 'dependabot[bot]', type: 'Bot' } }));
    expect(calls).toEqual([]);
    expect((await postedOn(6, repo.fullName)).comments).toEqual([]);
  });

  it('a duplicate names the earlier open issue with its score; closed issues are no candidates', async () => {
    const repo = await freshRepo();
    const first = {
      title: 'Upload of large PNG files fails with 413 Payload Too Large',
      body: 'Uploading a PNG bigger than 10 MB to the gallery fails with HTTP 413 Payload Too Large. Smaller images upload fine.',
    };
    await run(issuePayload(repo, 'opened', { number: 10, ...first }));
    await run(issuePayload(repo, 'opened', { number: 11, title: 'Dark mode for the settings page', body: 'Please add a dark theme.' }));
    await run(issuePayload(repo, 'opened', { number: 12, ...first, state: 'open' }));
    await run(issuePayload(repo, 'closed', { number: 12, ...first, state: 'closed' }));
    await run(
      issuePayload(repo, 'opened', {
        number: 13,
        title: 'Large PNG upload fails: 413 Payload Too Large',
        body: 'When I upload a PNG file larger than 10 MB to the gallery I get HTTP 413 Payload Too Large. Small images work.',
      }),
    );
    // FTS5 syntax in an issue's words is searched as words, never parsed (run() asserts the delivery was processed).
    await run(
      issuePayload(repo, 'opened', { number: 14, title: 'upload "NEAR( OR * -- ) title:x ^png', body: 'AND OR NOT " large 413 payload' }),
    );
    const body = (await postedOn(13, repo.fullName)).comments[0]?.body ?? '';
    const duplicates = body.split('**Likely duplicates:**')[1] ?? '';
    expect(duplicates).toMatch(/\n- #10 Upload of large PNG files fails with 413 Payload Too Large \(similarity 0\.\d\d\)/);
    expect(body).not.toContain('#12');
    expect(body).not.toContain('#11');
  });

  it('CODEOWNERS names suggested assignees, in code spans (nobody is pinged)', async () => {
    const repo = await freshRepo({
      '.github/CODEOWNERS': '* @chitty-labs/maintainers\n/src/engine/ @grace @ada\n/docs/ @chitty-labs/docs-team\n',
    });
    await run(issuePayload(repo, 'opened', { number: 20, ...CRASH, user: { login: 'linus', type: 'User' } }));
    const body = (await postedOn(20, repo.fullName)).comments[0]?.body ?? '';
    expect(body).toContain('**Suggested assignees** (from CODEOWNERS): `@grace`, `@ada`');
    expect(body.replace(/`@[^`]+`/g, '')).not.toMatch(/@[a-z]/); // no bare mention anywhere
  });

  it('without CODEOWNERS: the recent human committers of the named file (bots and the author left out)', async () => {
    const repo = await freshRepo();
    await control('PUT', `/github/repos/${repo.fullName}/commits`, [
      { login: 'grace', path: 'src/engine/ignite.ts', message: 'ignite: retry', date: '2026-02-01T00:00:00Z' },
      { login: 'dependabot[bot]', path: 'src/engine/ignite.ts', message: 'bump', date: '2026-02-02T00:00:00Z' },
      { login: 'linus', path: 'src/engine/ignite.ts', message: 'ignite: log', date: '2026-02-03T00:00:00Z' },
      { login: 'hedy', path: 'docs/readme.md', message: 'docs', date: '2026-02-04T00:00:00Z' },
    ]);
    await run(issuePayload(repo, 'opened', { number: 21, ...CRASH, user: { login: 'linus', type: 'User' } }));
    const body = (await postedOn(21, repo.fullName)).comments[0]?.body ?? '';
    expect(body).toContain('**Suggested assignees** (from recent commits): `@grace`');
    expect(body).not.toContain('hedy');
    expect(body).not.toContain('dependabot');
  });

  it('missing type labels: not created without create_labels; created (then added) with it', async () => {
    const without = await freshRepo();
    await control('PUT', `/github/repos/${without.fullName}/labels`, [{ name: 'question' }]);
    const calls = await run(issuePayload(without, 'opened', { number: 30, ...CRASH }));
    expect(calls.filter((c) => c.startsWith('POST') && c.endsWith('/labels'))).toEqual([]);
    expect(await labelsOn(without, 30)).toEqual([]);

    const withCreate = await freshRepo({ '.github/chittyconnect.yml': 'triage:\n  create_labels: true\n  priority_labels: true\n' });
    await control('PUT', `/github/repos/${withCreate.fullName}/labels`, [{ name: 'question' }]);
    const created = await run(issuePayload(withCreate, 'opened', { number: 31, ...CRASH }));
    expect(created.filter((c) => c.startsWith('POST') && c.endsWith('/labels'))).toEqual([
      `POST /repos/chitty-labs/${withCreate.name}/labels`,
      `POST /repos/chitty-labs/${withCreate.name}/labels`,
      `POST /repos/chitty-labs/${withCreate.name}/issues/N/labels`,
    ]);
    const labels = await labelsOn(withCreate, 31);
    expect(labels).toContain('bug');
    expect(labels.some((l) => l.startsWith('priority: '))).toBe(true);

    // A priority already on the issue stands: no second priority label.
    await run(issuePayload(withCreate, 'opened', { number: 32, ...CRASH, labels: ['priority: low'] }));
    expect((await labelsOn(withCreate, 32)).filter((l) => l.startsWith('priority: ') && l !== 'priority: low')).toEqual([]);
  });
});

describe('triage wording (optional AI)', () => {
  const intro = async (ai: unknown) => {
    const repo = await freshRepo();
    await run(issuePayload(repo, 'opened', { number: 40, ...CRASH }), ai === undefined ? {} : ({ AI: ai } as Partial<Cloudflare.Env>));
    const body = (await postedOn(40, repo.fullName)).comments[0]?.body ?? '';
    return { body, labels: await labelsOn(repo, 40) };
  };
  const TEMPLATE = /Thanks for opening this\. It looks like a bug report, with \w+ priority\./;

  it('no binding: the template', async () => {
    expect((await intro(undefined)).body).toMatch(TEMPLATE);
  });

  it('a binding that throws, answers junk or too much, or never answers: the template; labels never change', async () => {
    const throwing = { run: async () => Promise.reject(new Error('model unavailable')) };
    const junk = { run: async () => ({ result: 42 }) };
    const long = { run: async () => ({ response: 'x'.repeat(401) }) };
    const silent = { run: () => new Promise(() => {}) }; // never answers: the 1.5 s timeout gives the template
    for (const ai of [throwing, junk, long, silent]) {
      const r = await intro(ai);
      expect(r.body).toMatch(TEMPLATE);
      expect(r.labels).toEqual(['bug']);
    }
  });

  it('a model that words it differently each time does not re-edit an unchanged comment', async () => {
    let n = 0;
    const bindings = { AI: { run: async () => ({ response: `Thanks! Wording number ${++n}.` }) } } as unknown as Partial<Cloudflare.Env>;
    const repo = await freshRepo();
    await run(issuePayload(repo, 'opened', { number: 41, ...CRASH }), bindings);
    await run(issuePayload(repo, 'edited', { number: 41, ...CRASH }), bindings); // the labels line changes: one edit
    await run(issuePayload(repo, 'edited', { number: 41, ...CRASH }), bindings); // only the model's wording would change
    const comments = (await postedOn(41, repo.fullName)).comments;
    expect(comments.map((c) => c.edits)).toEqual([1]);
    expect(comments[0]?.body).toContain('Wording number 2.');
  });

  it('a binding that answers text: that text, inert and bounded', async () => {
    const ai = { run: async () => ({ response: '  Thanks! This looks like a crash bug <b>@everyone</b> — we will look soon.  ' }) };
    const r = await intro(ai);
    expect(r.body).not.toMatch(TEMPLATE);
    expect(r.body).toContain('Thanks! This looks like a crash bug &#60;b&#62;&#64;everyone&#60;/b&#62; — we will look soon.');
    expect(r.labels).toEqual(['bug']);
  });
});
