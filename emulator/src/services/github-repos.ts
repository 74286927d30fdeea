/**
 * Routes of the emulated GitHub API that need an installation token: the installation's
 * repositories, a pull request's files, issue comments, labels and check runs. A repository
 * outside the installation is a 404 (as on GitHub); writing needs the matching permission
 * (`issues`/`pull_requests` or `checks` at `write`), else 403. Bodies are validated like GitHub:
 * 400 "Problems parsing JSON", 422 "Validation Failed" with `errors`.
 */
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { requireInstallation, requirePermission } from './github-auth';
import { generatePullFiles, toPullFile } from './github-files';
import { type GitHubEnv, jsonWithLink, notFoundError, pageParams, paginate, readGitHubBody, validationFailed } from './github-http';
import {
  addLabels,
  type CheckRunInput,
  type CheckRunRow,
  createCheckRun,
  createComment,
  findRepository,
  getCheckRun,
  getPullFiles,
  type Installation,
  listComments,
  listRepositories,
  type Repository,
  replaceCheckRun,
  updateComment,
} from './github-store';
import { checkRunJson, commentJson, labelJson, repositoryJson } from './github-views';

export const githubRepoRoutes = new Hono<GitHubEnv>();

/** The installation and the repository of `:owner/:repo`, when the token's installation holds it. */
async function repositoryOf(c: Context<GitHubEnv>): Promise<{ installation: Installation; repo: Repository }> {
  const installation = requireInstallation(c.get('principal'));
  const repo = await findRepository(c.env.EMU_DB, installation.id, `${c.req.param('owner')}/${c.req.param('repo')}`);
  if (!repo) throw notFoundError();
  return { installation, repo };
}

/** Comments and labels go through the issues API; either permission lets the App write them. */
function requireIssueWrite(installation: Installation): void {
  if (installation.permissions.pull_requests === 'write') return;
  requirePermission(installation, 'issues', 'write');
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

const LabelName = z.union([z.string().min(1).max(50), z.object({ name: z.string().min(1).max(50) })]);
const LabelsBody = z.union([z.object({ labels: z.array(LabelName).min(1) }), z.array(LabelName).min(1)]);

githubRepoRoutes.post('/repos/:owner/:repo/issues/:number{[0-9]+}/labels', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requireIssueWrite(installation);
  const body = await readGitHubBody(c, LabelsBody, 'Label');
  const names = (Array.isArray(body) ? body : body.labels).map((l) => (typeof l === 'string' ? l : l.name));
  const all = await addLabels(c.env.EMU_DB, repo.fullName, numberParam(c, 'number'), names);
  return c.json(all.map((name) => labelJson(repo.fullName, name)));
});

const CHECK_STATUSES = ['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending'] as const;
const CHECK_CONCLUSIONS = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'stale', 'timed_out'] as const;
const CheckOutput = z.object({ title: z.string().min(1), summary: z.string().min(1).max(65535), text: z.string().max(65535).optional() });
const CheckRunFields = {
  status: z.enum(CHECK_STATUSES).optional(),
  conclusion: z.enum(CHECK_CONCLUSIONS).optional(),
  output: CheckOutput.optional(),
  details_url: z.string().url().optional(),
  external_id: z.string().optional(),
  started_at: z.string().datetime({ offset: true }).optional(),
  completed_at: z.string().datetime({ offset: true }).optional(),
};
const CheckRunCreate = z.object({ name: z.string().min(1), head_sha: z.string().min(1), ...CheckRunFields });
const CheckRunUpdate = z.object({ name: z.string().min(1).optional(), head_sha: z.string().min(1).optional(), ...CheckRunFields });

/** GitHub's rules: a conclusion completes the run; a completed run needs a conclusion; only a completed run has completed_at. */
function settleCheckRun(run: CheckRunInput): CheckRunInput {
  const status = run.conclusion !== null ? 'completed' : run.status;
  if (status !== 'completed') return { ...run, status, completedAt: null };
  if (run.conclusion === null) throw validationFailed('CheckRun', 'conclusion', 'conclusion is required when status is completed');
  return { ...run, status, completedAt: run.completedAt ?? new Date().toISOString() };
}

githubRepoRoutes.post('/repos/:owner/:repo/check-runs', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requirePermission(installation, 'checks', 'write');
  const body = await readGitHubBody(c, CheckRunCreate, 'CheckRun');
  const run = settleCheckRun({
    name: body.name,
    headSha: body.head_sha,
    status: body.status ?? 'queued',
    conclusion: body.conclusion ?? null,
    output: body.output ?? {},
    detailsUrl: body.details_url ?? null,
    externalId: body.external_id ?? null,
    startedAt: body.started_at ?? new Date().toISOString(),
    completedAt: body.completed_at ?? null,
  });
  return c.json(checkRunJson(await createCheckRun(c.env.EMU_DB, repo.fullName, run)), 201);
});

function existingRun(row: CheckRunRow): CheckRunInput {
  return {
    name: row.name,
    headSha: row.head_sha,
    status: row.status,
    conclusion: row.conclusion,
    output: JSON.parse(row.output) as Record<string, unknown>,
    detailsUrl: row.details_url,
    externalId: row.external_id,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}

githubRepoRoutes.get('/repos/:owner/:repo/check-runs/:id{[0-9]+}', async (c) => {
  const { repo } = await repositoryOf(c);
  const row = await getCheckRun(c.env.EMU_DB, repo.fullName, numberParam(c, 'id'));
  if (!row) throw notFoundError();
  return c.json(checkRunJson(row));
});

githubRepoRoutes.patch('/repos/:owner/:repo/check-runs/:id{[0-9]+}', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requirePermission(installation, 'checks', 'write');
  const body = await readGitHubBody(c, CheckRunUpdate, 'CheckRun');
  const id = numberParam(c, 'id');
  const row = await getCheckRun(c.env.EMU_DB, repo.fullName, id);
  if (!row) throw notFoundError();
  const current = existingRun(row);
  const run = settleCheckRun({
    name: body.name ?? current.name,
    headSha: body.head_sha ?? current.headSha,
    status: body.status ?? current.status,
    conclusion: body.conclusion ?? (body.status !== undefined && body.status !== 'completed' ? null : current.conclusion),
    output: body.output ?? current.output,
    detailsUrl: body.details_url ?? current.detailsUrl,
    externalId: body.external_id ?? current.externalId,
    startedAt: body.started_at ?? current.startedAt,
    completedAt: body.completed_at ?? current.completedAt,
  });
  const updated = await replaceCheckRun(c.env.EMU_DB, id, run);
  if (!updated) throw notFoundError();
  return c.json(checkRunJson(updated));
});
