/**
 * What the App concluded, for operators and agents (capability `admin`, like every GitHub route):
 * the repositories it is installed on, a pull request's analysis with every finding it has shown,
 * and an issue's triage — the classifier's decision on the issue as indexed, and the labels the
 * App applied and people removed.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ISSUE_TYPES, type IssueType, triageIssue } from '../analysis/triage';
import type { AppEnv } from '../app-env';
import { AppError } from '../http/errors';
import { authErrors, jsonContent, problem } from '../http/openapi';
import { defaultHook } from '../http/openapi-hook';
import { latestAnalysis } from './store/analyses';
import { findingsOf, indexedIssue, type KnownRepository, knownRepositories, repositoryByName } from './store/insights';
import { triageRow } from './store/triage';

const tags = ['GitHub App'];

const NAME = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'a GitHub owner or repository name');
const repoParams = z.object({
  owner: NAME.openapi({ param: { name: 'owner', in: 'path' }, example: 'chitty-labs' }),
  repo: NAME.openapi({ param: { name: 'repo', in: 'path' }, example: 'rocket' }),
});
const numbered = (what: string) =>
  repoParams.extend({
    number: z.coerce
      .number()
      .int()
      .positive()
      .max(2 ** 31)
      .openapi({ param: { name: 'number', in: 'path' }, description: `The ${what} number`, example: 7 }),
  });

const repository = z
  .object({ id: z.number(), fullName: z.string(), installationId: z.number(), account: z.string() })
  .openapi('GitHubRepository');

const finding = z
  .object({
    ruleId: z.string(),
    path: z.string(),
    line: z.number(),
    severity: z.string(),
    firstSha: z.string().openapi({ description: 'The head it first appeared on' }),
    lastSha: z.string().openapi({ description: 'The latest head that still had it' }),
    current: z.boolean().openapi({ description: 'Still present on the latest analysed head' }),
  })
  .openapi('GitHubFinding');

const analysisView = z
  .object({
    repository,
    number: z.number(),
    analysis: z.object({
      headSha: z.string(),
      checkRunId: z.number().nullable(),
      conclusion: z.string().nullable(),
      counts: z.unknown(),
      publishedAt: z.string(),
    }),
    findings: z.array(finding),
  })
  .openapi('GitHubPullAnalysis');

const triageView = z
  .object({
    repository,
    number: z.number(),
    issue: z.object({ title: z.string(), state: z.string(), updatedAt: z.string() }),
    decision: z.object({
      type: z.enum(ISSUE_TYPES as [IssueType, ...IssueType[]]).nullable(),
      labels: z.array(z.enum(ISSUE_TYPES as [IssueType, ...IssueType[]])),
      priority: z.string(),
      reasons: z.array(z.string()),
    }),
    labelsApplied: z.array(z.string()).openapi({ description: 'Labels the App put on the issue' }),
    labelsRemoved: z.array(z.string()).openapi({ description: 'Labels people took off (never re-added)' }),
    commentId: z.number().nullable(),
  })
  .openapi('GitHubIssueTriage');

async function knownRepository(db: D1Database, owner: string, repo: string): Promise<KnownRepository> {
  const found = await repositoryByName(db, `${owner}/${repo}`);
  if (!found) throw new AppError(404, 'repository_not_found', `The App is not installed on ${owner}/${repo} (or it was uninstalled).`);
  return found;
}

/** Mounted by routes.ts under its `/v1/github/*` admin check. */
export const insightRoutes = new OpenAPIHono<AppEnv>({ defaultHook });

insightRoutes
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/github/repositories',
      tags,
      summary: 'Repositories the App is installed on, by name (admin)',
      request: {
        query: z
          .object({
            limit: z.coerce.number().int().min(1).max(500).default(100),
            after: z.string().max(201).optional().openapi({ description: 'Continue after this full name (the previous page’s nextAfter)' }),
          })
          .strict(),
      },
      responses: {
        200: {
          description: 'A page of repositories',
          content: jsonContent(z.object({ repositories: z.array(repository), nextAfter: z.string().nullable() })),
        },
        ...authErrors,
      },
    }),
    async (c) => {
      const { limit, after } = c.req.valid('query');
      const rows = await knownRepositories(c.env.DB, limit + 1, after);
      const page = rows.slice(0, limit);
      return c.json({ repositories: page, nextAfter: rows.length > limit ? (page[page.length - 1]?.fullName ?? null) : null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/github/repositories/{owner}/{repo}',
      tags,
      summary: 'A repository the App is installed on, with its default branch’s latest analysis (admin)',
      request: { params: repoParams },
      responses: {
        200: {
          description: 'The repository',
          content: jsonContent(
            z
              .object({
                repository,
                defaultBranch: analysisView.shape.analysis
                  .nullable()
                  .openapi({ description: 'The latest analysis of a push to the default branch' }),
                openFindings: z.number().openapi({ description: 'Findings still present on the default branch' }),
              })
              .openapi('GitHubRepositoryView'),
          ),
        },
        404: problem('The App is not installed on the repository (repository_not_found)'),
        ...authErrors,
      },
    }),
    async (c) => {
      const { owner, repo } = c.req.valid('param');
      const repository = await knownRepository(c.env.DB, owner, repo);
      const defaultBranch = await latestAnalysis(c.env.DB, repository.id, 0);
      const findings = defaultBranch ? await findingsOf(c.env.DB, repository.id, 0) : [];
      const openFindings = findings.filter((f) => f.lastSha === defaultBranch?.headSha).length;
      return c.json({ repository, defaultBranch, openFindings }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/github/repositories/{owner}/{repo}/pulls/{number}/analysis',
      tags,
      summary: 'A pull request’s latest analysis and every finding it has shown (admin)',
      description: 'Findings are kept by fingerprint across pushes: `current` says whether the latest analysed head still has it.',
      request: { params: numbered('pull request') },
      responses: {
        200: { description: 'The analysis', content: jsonContent(analysisView) },
        404: problem(
          'The App is not installed on the repository (repository_not_found), or has not analysed the pull request (analysis_not_found)',
        ),
        ...authErrors,
      },
    }),
    async (c) => {
      const { owner, repo, number } = c.req.valid('param');
      const repository = await knownRepository(c.env.DB, owner, repo);
      const analysis = await latestAnalysis(c.env.DB, repository.id, number);
      if (!analysis) throw new AppError(404, 'analysis_not_found', `No analysis of ${repository.fullName}#${number} has been published.`);
      const findings = (await findingsOf(c.env.DB, repository.id, number)).map((f) => ({ ...f, current: f.lastSha === analysis.headSha }));
      return c.json({ repository, number, analysis, findings }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/github/repositories/{owner}/{repo}/issues/{number}/triage',
      tags,
      summary: 'An issue’s triage: the classifier’s decision, the labels applied and removed (admin)',
      description:
        'The decision is the classifier’s on the issue as the App indexed it (title and the first 2,000 characters of the body); reactions are not kept, so its priority can be lower than the one applied when the issue came.',
      request: { params: numbered('issue') },
      responses: {
        200: { description: 'The triage', content: jsonContent(triageView) },
        404: problem('The App is not installed on the repository (repository_not_found), or has not seen the issue (issue_not_found)'),
        ...authErrors,
      },
    }),
    async (c) => {
      const { owner, repo, number } = c.req.valid('param');
      const repository = await knownRepository(c.env.DB, owner, repo);
      const issue = await indexedIssue(c.env.DB, repository.id, number);
      if (!issue) throw new AppError(404, 'issue_not_found', `The App has not seen issue ${repository.fullName}#${number}.`);
      const decision = triageIssue({ title: issue.title, body: issue.body });
      const row = await triageRow(c.env.DB, { repositoryId: repository.id, number });
      return c.json(
        {
          repository,
          number,
          issue: { title: issue.title, state: issue.state, updatedAt: issue.updatedAt },
          decision: { type: decision.type, labels: decision.labels, priority: decision.priority, reasons: decision.reasons },
          labelsApplied: row?.applied ?? [],
          labelsRemoved: row?.removed ?? [],
          commentId: row?.commentId ?? null,
        },
        200,
      );
    },
  );
