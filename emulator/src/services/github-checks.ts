/**
 * Check runs of the emulated GitHub (installation token; writing needs `checks: write`): create,
 * read and update a run, its annotations, and the runs of a commit. As on GitHub, `output` needs a
 * `title` and a `summary` (≤ 65535 characters, like `text`), a request carries at most 50
 * annotations (more → 422 "No more than 50 items are allowed"), and each PATCH *appends* its
 * annotations to the run's list; `output.annotations_count` counts them all.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { requirePermission } from './github-auth';
import {
  type GitHubEnv,
  GitHubError,
  jsonWithLink,
  notFoundError,
  pageParams,
  paginate,
  readGitHubBody,
  validationFailed,
} from './github-http';
import { type Annotation, addAnnotations, annotationCounts, listAnnotations } from './github-intel-store';
import { repositoryOf } from './github-repos';
import { type CheckRunInput, type CheckRunRow, createCheckRun, getCheckRun, listCheckRunsForRef, replaceCheckRun } from './github-store';
import { checkRunJson } from './github-views';

export const githubCheckRoutes = new Hono<GitHubEnv>();

/** GitHub's cap on annotations per create/update request. */
export const MAX_ANNOTATIONS_PER_REQUEST = 50;
const MAX_TEXT = 65535;

const AnnotationBody = z
  .object({
    path: z.string().min(1),
    start_line: z.number().int().min(1),
    end_line: z.number().int().min(1),
    start_column: z.number().int().min(1).optional(),
    end_column: z.number().int().min(1).optional(),
    annotation_level: z.enum(['notice', 'warning', 'failure']),
    message: z.string().min(1).max(MAX_TEXT),
    title: z.string().max(255).optional(),
    raw_details: z.string().max(MAX_TEXT).optional(),
  })
  .refine((a) => a.end_line >= a.start_line, { message: 'end_line must not be before start_line', path: ['end_line'] })
  .refine((a) => (a.start_column === undefined && a.end_column === undefined) || a.start_line === a.end_line, {
    message: 'start_column and end_column are only allowed when start_line equals end_line',
    path: ['start_column'],
  });

const CHECK_STATUSES = ['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending'] as const;
const CHECK_CONCLUSIONS = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'stale', 'timed_out'] as const;
const CheckOutput = z.object({
  title: z.string().min(1),
  summary: z.string().min(1).max(MAX_TEXT),
  text: z.string().max(MAX_TEXT).optional(),
  annotations: z.array(AnnotationBody).optional(),
});
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

/** The output to store (without annotations) and the annotations of this request, at most 50. */
function splitOutput(output: z.output<typeof CheckOutput>): { stored: Record<string, unknown>; annotations: Annotation[] } {
  const { annotations = [], ...stored } = output;
  if (annotations.length > MAX_ANNOTATIONS_PER_REQUEST) {
    throw new GitHubError(
      422,
      `Invalid request.\n\nNo more than ${MAX_ANNOTATIONS_PER_REQUEST} items are allowed; ${annotations.length} were supplied.`,
    );
  }
  return { stored, annotations };
}

/** GitHub's rules: a conclusion completes the run; a completed run needs a conclusion; only a completed run has completed_at. */
function settleCheckRun(run: CheckRunInput): CheckRunInput {
  const status = run.conclusion !== null ? 'completed' : run.status;
  if (status !== 'completed') return { ...run, status, completedAt: null };
  if (run.conclusion === null) throw validationFailed('CheckRun', 'conclusion', 'conclusion is required when status is completed');
  return { ...run, status, completedAt: run.completedAt ?? new Date().toISOString() };
}

async function runJson(db: D1Database, row: CheckRunRow): Promise<Record<string, unknown>> {
  return checkRunJson(row, (await annotationCounts(db, [row.id])).get(row.id) ?? 0);
}

githubCheckRoutes.post('/repos/:owner/:repo/check-runs', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requirePermission(installation, 'checks', 'write');
  const body = await readGitHubBody(c, CheckRunCreate, 'CheckRun');
  const output = body.output ? splitOutput(body.output) : { stored: {}, annotations: [] };
  const run = settleCheckRun({
    name: body.name,
    headSha: body.head_sha,
    status: body.status ?? 'queued',
    conclusion: body.conclusion ?? null,
    output: output.stored,
    detailsUrl: body.details_url ?? null,
    externalId: body.external_id ?? null,
    startedAt: body.started_at ?? new Date().toISOString(),
    completedAt: body.completed_at ?? null,
  });
  const row = await createCheckRun(c.env.EMU_DB, repo.fullName, run);
  await addAnnotations(c.env.EMU_DB, repo.fullName, row.id, output.annotations);
  return c.json(await runJson(c.env.EMU_DB, row), 201);
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

githubCheckRoutes.get('/repos/:owner/:repo/check-runs/:id{[0-9]+}', async (c) => {
  const { repo } = await repositoryOf(c);
  const row = await getCheckRun(c.env.EMU_DB, repo.fullName, Number(c.req.param('id')));
  if (!row) throw notFoundError();
  return c.json(await runJson(c.env.EMU_DB, row));
});

githubCheckRoutes.patch('/repos/:owner/:repo/check-runs/:id{[0-9]+}', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requirePermission(installation, 'checks', 'write');
  const body = await readGitHubBody(c, CheckRunUpdate, 'CheckRun');
  const id = Number(c.req.param('id'));
  const row = await getCheckRun(c.env.EMU_DB, repo.fullName, id);
  if (!row) throw notFoundError();
  const current = existingRun(row);
  const output = body.output ? splitOutput(body.output) : { stored: current.output, annotations: [] };
  const run = settleCheckRun({
    name: body.name ?? current.name,
    headSha: body.head_sha ?? current.headSha,
    status: body.status ?? current.status,
    conclusion: body.conclusion ?? (body.status !== undefined && body.status !== 'completed' ? null : current.conclusion),
    output: output.stored,
    detailsUrl: body.details_url ?? current.detailsUrl,
    externalId: body.external_id ?? current.externalId,
    startedAt: body.started_at ?? current.startedAt,
    completedAt: body.completed_at ?? current.completedAt,
  });
  const updated = await replaceCheckRun(c.env.EMU_DB, id, run);
  if (!updated) throw notFoundError();
  await addAnnotations(c.env.EMU_DB, repo.fullName, id, output.annotations);
  return c.json(await runJson(c.env.EMU_DB, updated));
});

githubCheckRoutes.get('/repos/:owner/:repo/check-runs/:id{[0-9]+}/annotations', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requirePermission(installation, 'checks', 'read');
  const id = Number(c.req.param('id'));
  const row = await getCheckRun(c.env.EMU_DB, repo.fullName, id);
  if (!row) throw notFoundError();
  const all = await listAnnotations(c.env.EMU_DB, id);
  const { perPage, page } = pageParams(c);
  const { items, link } = paginate(all, `/repos/${repo.fullName}/check-runs/${id}/annotations`, perPage, page);
  const blob = (path: string) =>
    `https://github.com/${repo.fullName}/blob/${row.head_sha}/${path.split('/').map(encodeURIComponent).join('/')}`;
  return jsonWithLink(
    items.map((a) => ({
      path: a.path,
      blob_href: blob(a.path),
      start_line: a.start_line,
      end_line: a.end_line,
      start_column: a.start_column ?? null,
      end_column: a.end_column ?? null,
      annotation_level: a.annotation_level,
      title: a.title ?? null,
      message: a.message,
      raw_details: a.raw_details ?? null,
    })),
    link,
  );
});

githubCheckRoutes.get('/repos/:owner/:repo/commits/:ref/check-runs', async (c) => {
  const { installation, repo } = await repositoryOf(c);
  requirePermission(installation, 'checks', 'read');
  const ref = c.req.param('ref');
  let rows = await listCheckRunsForRef(c.env.EMU_DB, repo.fullName, ref);
  const name = c.req.query('check_name');
  const status = c.req.query('status');
  if (name) rows = rows.filter((r) => r.name === name);
  if (status) rows = rows.filter((r) => r.status === status);
  // `filter=latest` (the default): only the most recent run of each name.
  if (c.req.query('filter') !== 'all') {
    const seen = new Set<string>();
    rows = rows.filter((r) => !seen.has(r.name) && seen.add(r.name) !== undefined);
  }
  const { perPage, page } = pageParams(c);
  const { items, link } = paginate(rows, `/repos/${repo.fullName}/commits/${encodeURIComponent(ref)}/check-runs`, perPage, page);
  const counts = await annotationCounts(
    c.env.EMU_DB,
    items.map((r) => r.id),
  );
  return jsonWithLink({ total_count: rows.length, check_runs: items.map((r) => checkRunJson(r, counts.get(r.id) ?? 0)) }, link);
});
