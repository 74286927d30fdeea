/**
 * History and statistics of the emulated GitHub (installation token): compare two refs, list
 * commits (filtered by path prefix, author, time), languages and contributors. Commits are the
 * ones seeded with control `PUT /github/repos/:o/:r/commits` (none seeded: an empty list);
 * a compare is the one seeded for that `base...head`, else generated deterministically like pull
 * request files; languages are seeded or counted from the seeded files by extension (vendored and
 * prose/data files left out, as Linguist does). Compare and commits need `contents: read`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { requirePermission } from './github-auth';
import { fnv1a, generatePullFiles, toPullFile } from './github-files';
import { API_ORIGIN, type GitHubEnv, ghTime, jsonWithLink, notFoundError, pageParams, paginate } from './github-http';
import { getSeed, listFiles } from './github-intel-store';
import { repositoryOf } from './github-repos';
import { userJson } from './github-views';

export const githubHistoryRoutes = new Hono<GitHubEnv>();

/** GitHub's caps on a compare answer. */
export const MAX_COMPARE_FILES = 300;
export const MAX_COMPARE_COMMITS = 250;

export const PullFileSeed = z.object({
  filename: z.string().min(1),
  status: z.enum(['added', 'removed', 'modified', 'renamed', 'copied', 'changed', 'unchanged']).default('modified'),
  additions: z.number().int().min(0),
  deletions: z.number().int().min(0),
  patch: z.string().optional(),
});

export const CommitSeed = z.object({
  sha: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  login: z.string().min(1),
  name: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  paths: z.array(z.string().min(1)).default([]),
  message: z.string().min(1),
  date: z.string().datetime({ offset: true }),
});
type CommitSeedValue = z.output<typeof CommitSeed>;

export const CompareSeed = z.object({
  base: z.string().min(1),
  head: z.string().min(1),
  files: z.array(PullFileSeed).max(3000).default([]),
  commits: z.array(CommitSeed).max(1000).optional(),
  behind_by: z.number().int().min(0).default(0),
});

/** A stable 40-hex id for `seed`. */
function hex40(seed: string): string {
  let out = '';
  for (let i = 0; out.length < 40; i++) out += fnv1a(`${seed}:${i}`).toString(16).padStart(8, '0');
  return out.slice(0, 40);
}

const isSha = (ref: string) => /^[0-9a-f]{40}$/.test(ref);
const shaOf = (c: CommitSeedValue, i: number) => c.sha ?? hex40(`${c.login}:${c.date}:${c.message}:${i}`);
const pathsOf = (c: CommitSeedValue) => (c.path ? [c.path, ...c.paths] : c.paths);

function commitJson(fullName: string, c: CommitSeedValue, sha: string, parent: string | null): Record<string, unknown> {
  const user = userJson(c.login);
  const person = { name: c.name ?? c.login, email: c.email ?? `${user.id}+${c.login}@users.noreply.github.com`, date: ghTime(c.date) };
  const link = (s: string) => ({
    sha: s,
    url: `${API_ORIGIN}/repos/${fullName}/commits/${s}`,
    html_url: `https://github.com/${fullName}/commit/${s}`,
  });
  return {
    sha,
    node_id: `C_${btoa(`commit:${sha}`).replace(/=+$/, '')}`,
    url: `${API_ORIGIN}/repos/${fullName}/commits/${sha}`,
    html_url: `https://github.com/${fullName}/commit/${sha}`,
    commit: {
      author: person,
      committer: person,
      message: c.message,
      tree: { sha: hex40(`tree:${sha}`), url: `${API_ORIGIN}/repos/${fullName}/git/trees/${hex40(`tree:${sha}`)}` },
      url: `${API_ORIGIN}/repos/${fullName}/git/commits/${sha}`,
      comment_count: 0,
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
    },
    author: user,
    committer: user,
    parents: parent ? [link(parent)] : [],
  };
}

/** The seeded commits, newest first, each with its sha. */
async function seededCommits(db: D1Database, fullName: string): Promise<{ c: CommitSeedValue; sha: string }[]> {
  const parsed = z.array(CommitSeed).safeParse(await getSeed(db, fullName, 'commits'));
  const list = parsed.success ? parsed.data.map((c, i) => ({ c, sha: shaOf(c, i) })) : [];
  return list.sort((a, b) => Date.parse(b.c.date) - Date.parse(a.c.date));
}

/** `path` matches a file or anything under a directory of that name. */
const touches = (paths: string[], path: string) => {
  const p = path.replace(/^\/+|\/+$/g, '');
  return paths.some((f) => f === p || f.startsWith(`${p}/`));
};

githubHistoryRoutes.get('/repos/:owner/:repo/commits', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requirePermission(installation, 'contents', 'read');
  let list = await seededCommits(c.env.EMU_DB, repo.fullName);
  const start = c.req.query('sha');
  const startAt = start ? list.findIndex((x) => x.sha === start) : -1;
  if (startAt > 0) list = list.slice(startAt);
  const { path, author, since, until } = c.req.query();
  if (path) list = list.filter((x) => touches(pathsOf(x.c), path));
  if (author) list = list.filter((x) => x.c.login.toLowerCase() === author.toLowerCase() || x.c.email === author);
  if (since) list = list.filter((x) => Date.parse(x.c.date) >= Date.parse(since));
  if (until) list = list.filter((x) => Date.parse(x.c.date) <= Date.parse(until));
  const { perPage, page } = pageParams(c);
  const { items, link } = paginate(list, `/repos/${repo.fullName}/commits`, perPage, page);
  return jsonWithLink(
    items.map((x, i) => commitJson(repo.fullName, x.c, x.sha, list[(page - 1) * perPage + i + 1]?.sha ?? null)),
    link,
  );
});

githubHistoryRoutes.get('/repos/:owner/:repo/contributors', async (c) => {
  const { repo } = await repositoryOf(c);
  const counts = new Map<string, number>();
  for (const { c: commit } of await seededCommits(c.env.EMU_DB, repo.fullName))
    counts.set(commit.login, (counts.get(commit.login) ?? 0) + 1);
  const all = [...counts]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([login, contributions]) => ({ ...userJson(login), contributions }));
  const { perPage, page } = pageParams(c);
  const { items, link } = paginate(all, `/repos/${repo.fullName}/contributors`, perPage, page);
  return jsonWithLink(items, link);
});

const LANGUAGES: Readonly<Record<string, string>> = {
  ts: 'TypeScript',
  tsx: 'TypeScript',
  mts: 'TypeScript',
  cts: 'TypeScript',
  js: 'JavaScript',
  jsx: 'JavaScript',
  mjs: 'JavaScript',
  cjs: 'JavaScript',
  py: 'Python',
  go: 'Go',
  java: 'Java',
  kt: 'Kotlin',
  rb: 'Ruby',
  rs: 'Rust',
  php: 'PHP',
  cs: 'C#',
  c: 'C',
  h: 'C',
  cc: 'C++',
  cpp: 'C++',
  hpp: 'C++',
  swift: 'Swift',
  scala: 'Scala',
  sh: 'Shell',
  bash: 'Shell',
  ps1: 'PowerShell',
  html: 'HTML',
  css: 'CSS',
  scss: 'SCSS',
  vue: 'Vue',
  svelte: 'Svelte',
};
const NAMED: Readonly<Record<string, string>> = { Dockerfile: 'Dockerfile', Makefile: 'Makefile' };
const VENDORED = /(^|\/)(node_modules|vendor|third_party|dist|build)\/|\.min\.js$/;

/** Linguist-like byte counts per language of the files seeded on the default branch. */
function countLanguages(files: { path: string; size: number }[]): Record<string, number> {
  const totals = new Map<string, number>();
  for (const f of files) {
    if (VENDORED.test(f.path)) continue;
    const base = f.path.split('/').at(-1) ?? '';
    const dot = base.lastIndexOf('.');
    const language = NAMED[base] ?? (dot > 0 ? LANGUAGES[base.slice(dot + 1).toLowerCase()] : undefined);
    if (language) totals.set(language, (totals.get(language) ?? 0) + f.size);
  }
  return Object.fromEntries([...totals].sort(([, a], [, b]) => b - a));
}

githubHistoryRoutes.get('/repos/:owner/:repo/languages', async (c) => {
  const { repo } = await repositoryOf(c);
  const seeded = z.record(z.string(), z.number().int().min(0)).safeParse(await getSeed(c.env.EMU_DB, repo.fullName, 'languages'));
  if (seeded.success) return c.json(Object.fromEntries(Object.entries(seeded.data).sort(([, a], [, b]) => b - a)));
  return c.json(countLanguages(await listFiles(c.env.EMU_DB, repo.fullName, undefined)));
});

githubHistoryRoutes.get('/repos/:owner/:repo/compare/:basehead{.+}', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requirePermission(installation, 'contents', 'read');
  const basehead = c.req.param('basehead');
  const cut = basehead.indexOf('...');
  if (cut <= 0 || cut + 3 >= basehead.length) throw notFoundError();
  const base = basehead.slice(0, cut);
  const head = basehead.slice(cut + 3);
  const parsed = CompareSeed.safeParse(await getSeed(c.env.EMU_DB, repo.fullName, 'compare', `${base}...${head}`));
  const number = fnv1a(`compare:${base}...${head}`) % 1_000_000;
  const identical = !parsed.success && base === head;
  const files = parsed.success ? parsed.data.files : identical ? [] : generatePullFiles(repo.fullName, number);
  const headSha = isSha(head) ? head : hex40(`ref:${head}`);
  const baseSha = isSha(base) ? base : hex40(`ref:${base}`);
  const commits: CommitSeedValue[] =
    parsed.success && parsed.data.commits
      ? parsed.data.commits
      : identical
        ? []
        : [
            {
              sha: headSha,
              login: 'chitty-dev',
              message: `Changes on ${head}`,
              date: '2026-01-02T00:00:00Z',
              paths: files.map((f) => f.filename),
            },
          ];
  const shas = commits.map((x, i) => shaOf(x, i));
  const behind = parsed.success ? parsed.data.behind_by : 0;
  const ahead = commits.length;
  const status = ahead === 0 && behind === 0 ? 'identical' : behind === 0 ? 'ahead' : ahead === 0 ? 'behind' : 'diverged';
  const baseCommit = commitJson(
    repo.fullName,
    { login: 'chitty-dev', message: `${base}`, date: '2026-01-01T00:00:00Z', paths: [] },
    baseSha,
    null,
  );
  return c.json({
    url: `${API_ORIGIN}/repos/${repo.fullName}/compare/${base}...${head}`,
    html_url: `https://github.com/${repo.fullName}/compare/${base}...${head}`,
    permalink_url: `https://github.com/${repo.fullName}/compare/${baseSha}...${headSha}`,
    diff_url: `https://github.com/${repo.fullName}/compare/${base}...${head}.diff`,
    patch_url: `https://github.com/${repo.fullName}/compare/${base}...${head}.patch`,
    base_commit: baseCommit,
    merge_base_commit: baseCommit,
    status,
    ahead_by: ahead,
    behind_by: behind,
    total_commits: ahead,
    commits: commits
      .slice(0, MAX_COMPARE_COMMITS)
      .map((x, i) => commitJson(repo.fullName, x, shas[i] ?? headSha, i === 0 ? baseSha : (shas[i - 1] ?? null))),
    files: files.slice(0, MAX_COMPARE_FILES).map((f) => toPullFile(repo.fullName, number, f)),
  });
});
