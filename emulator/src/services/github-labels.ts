/**
 * Labels and issues of the emulated GitHub (installation token; reading needs `issues` or
 * `pull_requests` read, writing either at write). A repository starts with GitHub's default label
 * set. Creating a label checks GitHub's rules (name 1–50 characters, colour six hex digits without
 * `#`, description ≤ 100; a name that exists in any case → 422 `already_exists`). Adding labels to
 * an issue **creates** the names the repository lacks (colour `ededed`), as GitHub does, which is
 * why an App must filter to existing labels itself. `GET /issues/:n` answers the seeded issue
 * (control `PUT /github/repos/:o/:r/issues/:n`) or a plain open one, with its labels.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { API_ORIGIN, type GitHubEnv, GitHubError, ghTime, jsonWithLink, pageParams, paginate, readGitHubBody } from './github-http';
import { addIssueLabels, createRepoLabel, getSeed, issueLabels, type Label, listRepoLabels, removeIssueLabel } from './github-intel-store';
import { repositoryOf, requireIssueRead, requireIssueWrite } from './github-repos';
import { labelJson, userJson } from './github-views';

export const githubLabelRoutes = new Hono<GitHubEnv>();

const MAX_LABEL_NAME = 50;

githubLabelRoutes.get('/repos/:owner/:repo/labels', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requireIssueRead(installation);
  const labels = await listRepoLabels(c.env.EMU_DB, repo.fullName);
  const { perPage, page } = pageParams(c);
  const { items, link } = paginate(labels, `/repos/${repo.fullName}/labels`, perPage, page);
  return jsonWithLink(
    items.map((l) => labelJson(repo.fullName, l)),
    link,
  );
});

const LabelCreate = z.object({
  name: z.string().min(1).max(MAX_LABEL_NAME),
  color: z
    .string()
    .regex(/^[0-9a-fA-F]{6}$/, 'color must be six hexadecimal digits without a leading #')
    .optional(),
  description: z.string().max(100).optional(),
});

githubLabelRoutes.post('/repos/:owner/:repo/labels', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requireIssueWrite(installation);
  const body = await readGitHubBody(c, LabelCreate, 'Label');
  const label = await createRepoLabel(c.env.EMU_DB, repo.fullName, {
    name: body.name,
    color: (body.color ?? 'ededed').toLowerCase(),
    description: body.description ?? null,
  });
  if (!label) throw new GitHubError(422, 'Validation Failed', { errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] });
  return c.json(labelJson(repo.fullName, label), 201);
});

const numberOf = (c: { req: { param: (name: 'number') => string } }) => Number(c.req.param('number'));

githubLabelRoutes.get('/repos/:owner/:repo/issues/:number{[0-9]+}/labels', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requireIssueRead(installation);
  const number = numberOf(c);
  const labels = await issueLabels(c.env.EMU_DB, repo.fullName, number);
  const { perPage, page } = pageParams(c);
  const { items, link } = paginate(labels, `/repos/${repo.fullName}/issues/${number}/labels`, perPage, page);
  return jsonWithLink(
    items.map((l) => labelJson(repo.fullName, l)),
    link,
  );
});

const LabelName = z.union([z.string().min(1).max(MAX_LABEL_NAME), z.object({ name: z.string().min(1).max(MAX_LABEL_NAME) })]);
const LabelsBody = z.union([z.object({ labels: z.array(LabelName).min(1) }), z.array(LabelName).min(1)]);

githubLabelRoutes.post('/repos/:owner/:repo/issues/:number{[0-9]+}/labels', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requireIssueWrite(installation);
  const body = await readGitHubBody(c, LabelsBody, 'Label');
  const names = (Array.isArray(body) ? body : body.labels).map((l) => (typeof l === 'string' ? l : l.name));
  const all = await addIssueLabels(c.env.EMU_DB, repo.fullName, numberOf(c), names);
  return c.json(all.map((l) => labelJson(repo.fullName, l)));
});

githubLabelRoutes.delete('/repos/:owner/:repo/issues/:number{[0-9]+}/labels/:name', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requireIssueWrite(installation);
  const number = numberOf(c);
  if (!(await removeIssueLabel(c.env.EMU_DB, repo.fullName, number, c.req.param('name')))) {
    throw new GitHubError(404, 'Label does not exist');
  }
  const left = await issueLabels(c.env.EMU_DB, repo.fullName, number);
  return c.json(left.map((l) => labelJson(repo.fullName, l)));
});

/** What a test may seed about an issue (control `PUT /github/repos/:o/:r/issues/:n`). */
export const IssueSeed = z.object({
  title: z.string().min(1).max(256),
  body: z.string().max(65536).nullable().default(null),
  state: z.enum(['open', 'closed']).default('open'),
  user: z.string().min(1).default('chitty-dev'),
  pull_request: z.boolean().default(false),
  reactions: z.record(z.string(), z.number().int().min(0)).default({}),
  created_at: z.string().datetime({ offset: true }).optional(),
});

function issueJson(fullName: string, number: number, seed: z.output<typeof IssueSeed>, labels: Label[]): Record<string, unknown> {
  const created = ghTime(seed.created_at ?? '2026-01-01T00:00:00Z');
  const reactions = { '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0, ...seed.reactions };
  const out: Record<string, unknown> = {
    id: 3_000_000_000 + number,
    number,
    url: `${API_ORIGIN}/repos/${fullName}/issues/${number}`,
    html_url: `https://github.com/${fullName}/${seed.pull_request ? 'pull' : 'issues'}/${number}`,
    title: seed.title,
    body: seed.body,
    state: seed.state,
    user: userJson(seed.user),
    labels: labels.map((l) => labelJson(fullName, l)),
    assignees: [],
    comments: 0,
    created_at: created,
    updated_at: created,
    closed_at: seed.state === 'closed' ? created : null,
    author_association: 'CONTRIBUTOR',
    reactions: { total_count: Object.values(reactions).reduce((a, b) => a + b, 0), ...reactions },
  };
  if (seed.pull_request) out.pull_request = { url: `${API_ORIGIN}/repos/${fullName}/pulls/${number}` };
  return out;
}

githubLabelRoutes.get('/repos/:owner/:repo/issues/:number{[0-9]+}', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requireIssueRead(installation);
  const number = numberOf(c);
  const parsed = IssueSeed.safeParse((await getSeed(c.env.EMU_DB, repo.fullName, 'issue', String(number))) ?? { title: `Issue ${number}` });
  const seed = parsed.success ? parsed.data : IssueSeed.parse({ title: `Issue ${number}` });
  return c.json(issueJson(repo.fullName, number, seed, await issueLabels(c.env.EMU_DB, repo.fullName, number)));
});
