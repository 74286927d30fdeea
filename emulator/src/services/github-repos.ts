/**
 * Routes of the emulated GitHub API that need an installation token: the installation's
 * repositories, a pull request's files and issue comments (labels: github-labels.ts, check runs:
 * github-checks.ts, contents: github-contents.ts, history: github-history.ts). A repository
 * outside the installation is a 404 (as on GitHub); writing needs the matching permission
 * (`issues`/`pull_requests` or `checks` at `write`), else 403. Bodies are validated like GitHub:
 * 400 "Problems parsing JSON", 422 "Validation Failed" with `errors`.
 */
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { requireInstallation, requirePermission } from './github-auth';
import { generatePullFiles, toPullFile } from './github-files';
import { type GitHubEnv, jsonWithLink, notFoundError, pageParams, paginate, readGitHubBody } from './github-http';
import {
  createComment,
  findRepository,
  getPullFiles,
  type Installation,
  listComments,
  listRepositories,
  type Repository,
  updateComment,
} from './github-store';
import { commentJson, repositoryJson } from './github-views';

export const githubRepoRoutes = new Hono<GitHubEnv>();

/** The installation and the repository of `:owner/:repo`, when the token's installation holds it. */
export async function repositoryOf(c: Context<GitHubEnv>): Promise<{ installation: Installation; repo: Repository }> {
  const installation = requireInstallation(c.get('principal'));
  const repo = await findRepository(c.env.EMU_DB, installation.id, `${c.req.param('owner')}/${c.req.param('repo')}`);
  if (!repo) throw notFoundError();
  return { installation, repo };
}

/** Comments and labels go through the issues API; either permission lets the App write (or read) them. */
export function requireIssueWrite(installation: Installation): void {
  if (installation.permissions.pull_requests === 'write') return;
  requirePermission(installation, 'issues', 'write');
}

export function requireIssueRead(installation: Installation): void {
  const pulls = installation.permissions.pull_requests;
  if (pulls === 'read' || pulls === 'write') return;
  requirePermission(installation, 'issues', 'read');
}

const numberParam = (c: Context<GitHubEnv>, name: string) => Number(c.req.param(name));

githubRepoRoutes.get('/installation/repositories', async (c) => {
  const installation = requireInstallation(c.get('principal'));
  const { perPage, page } = pageParams(c);
  const repos = await listRepositories(c.env.EMU_DB, installation.id);
  const { items, link } = paginate(repos, '/installation/repositories', perPage, page);
  return jsonWithLink(
    {
      total_count: repos.length,
      repository_selection: installation.repositorySelection,
      repositories: items.map((r) => repositoryJson(r, installation)),
    },
    link,
  );
});

githubRepoRoutes.get('/repos/:owner/:repo/pulls/:number{[0-9]+}/files', async (c) => {
  const { repo } = await repositoryOf(c);
  const number = numberParam(c, 'number');
  const files = (await getPullFiles(c.env.EMU_DB, repo.fullName, number)) ?? generatePullFiles(repo.fullName, number);
  const { perPage, page } = pageParams(c);
  const { items, link } = paginate(files, `/repos/${repo.fullName}/pulls/${number}/files`, perPage, page);
  return jsonWithLink(
    items.map((f) => toPullFile(repo.fullName, number, f)),
    link,
  );
});

const CommentBody = z.object({ body: z.string().min(1).max(65536) });

githubRepoRoutes.get('/repos/:owner/:repo/issues/:number{[0-9]+}/comments', async (c) => {
  const { repo } = await repositoryOf(c);
  const number = numberParam(c, 'number');
  const { perPage, page } = pageParams(c);
  const comments = await listComments(c.env.EMU_DB, repo.fullName, number);
  const { items, link } = paginate(comments, `/repos/${repo.fullName}/issues/${number}/comments`, perPage, page);
  return jsonWithLink(items.map(commentJson), link);
});

githubRepoRoutes.post('/repos/:owner/:repo/issues/:number{[0-9]+}/comments', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requireIssueWrite(installation);
  const { body } = await readGitHubBody(c, CommentBody, 'IssueComment');
  return c.json(commentJson(await createComment(c.env.EMU_DB, repo.fullName, numberParam(c, 'number'), body)), 201);
});

githubRepoRoutes.patch('/repos/:owner/:repo/issues/comments/:id{[0-9]+}', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requireIssueWrite(installation);
  const { body } = await readGitHubBody(c, CommentBody, 'IssueComment');
  const row = await updateComment(c.env.EMU_DB, repo.fullName, numberParam(c, 'id'), body);
  if (!row) throw notFoundError();
  return c.json(commentJson(row));
});
