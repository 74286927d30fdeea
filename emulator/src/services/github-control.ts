/**
 * The GitHub part of the control surface (mounted at `/github` on `control.emulator`, no auth):
 * create and delete App installations, seed a pull request's files, pretend GitHub delivered a
 * webhook (and what our server answered), list deliveries with their signed request (so a test can
 * send a pending redelivery itself), read what the App posted (comments, labels, check runs) and
 * make OAuth codes; github-intel-control.ts seeds contents, labels, commits, languages, compares
 * and issues. Bodies use the emulator's own 400 `{error:"bad_request", detail}`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { type AppEnv, notFound, readBody } from '../http';
import { nowIso } from '../store';
import { appIdOf } from './github-auth';
import { deliveriesByGuid, recordDelivery } from './github-deliveries';
import { PullFileSeed } from './github-history';
import { ghTime } from './github-http';
import { githubIntelControl } from './github-intel-control';
import { annotationsByRun } from './github-intel-store';
import { createOAuthCode } from './github-oauth';
import { setRateLimit } from './github-rate-limit';
import { deleteInstallation, type Installation, listPosted, putInstallation, SEED_INSTALLATION, setPullFiles } from './github-store';
import { installationJson } from './github-views';

const FULL_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const PositiveId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const InstallationBody = z.object({
  id: PositiveId.optional(),
  account: z.object({ login: z.string().min(1), id: PositiveId.optional(), type: z.enum(['Organization', 'User']).optional() }),
  repositories: z.array(z.object({ id: PositiveId.optional(), full_name: z.string().regex(FULL_NAME, 'owner/name expected') })).default([]),
  repositorySelection: z.enum(['all', 'selected']).optional(),
  suspended: z.boolean().optional(),
  permissions: z.record(z.string(), z.enum(['read', 'write', 'admin'])).optional(),
  events: z.array(z.string()).optional(),
});

const PullFilesBody = z.array(PullFileSeed).max(3000);

const DeliveryBody = z.object({
  guid: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/)
    .optional(),
  event: z.string().min(1),
  action: z.string().min(1).optional(),
  payload: z.record(z.string(), z.unknown()),
  statusCode: z.number().int().min(0).max(599),
  deliveredAt: z.string().datetime({ offset: true }).optional(),
});

const OAuthCodeBody = z.object({ login: z.string().min(1), installationIds: z.array(PositiveId).default([]) });

/** A random id in GitHub's range for new objects. */
const randomId = (min: number) => min + Math.floor(Math.random() * 90_000_000);

export const githubControl = new Hono<AppEnv>();

githubControl.route('/', githubIntelControl);

githubControl.post('/installations', async (c) => {
  const body = await readBody(c, InstallationBody);
  if (body instanceof Response) return body;
  const now = nowIso();
  const installation: Installation = {
    id: body.id ?? randomId(10_000_000),
    accountLogin: body.account.login,
    accountId: body.account.id ?? randomId(10_000_000),
    accountType: body.account.type ?? 'Organization',
    repositorySelection: body.repositorySelection ?? 'selected',
    permissions: body.permissions ?? SEED_INSTALLATION.permissions,
    events: body.events ?? SEED_INSTALLATION.events,
    createdAt: now,
    updatedAt: now,
    suspendedAt: body.suspended ? now : null,
    deletedAt: null,
  };
  const repositories = body.repositories.map((r) => ({ id: r.id ?? randomId(100_000_000), fullName: r.full_name }));
  await putInstallation(c.env.EMU_DB, installation, repositories);
  const json = installationJson(installation, appIdOf(c.env));
  return Response.json({ ...json, repositories: repositories.map((r) => ({ id: r.id, full_name: r.fullName })) }, { status: 201 });
});

githubControl.delete('/installations/:id{[0-9]+}', async (c) => {
  const deleted = await deleteInstallation(c.env.EMU_DB, Number(c.req.param('id')));
  return deleted ? new Response(null, { status: 204 }) : notFound();
});

githubControl.put('/repos/:owner/:repo/pulls/:number{[0-9]+}/files', async (c) => {
  const body = await readBody(c, PullFilesBody);
  if (body instanceof Response) return body;
  await setPullFiles(c.env.EMU_DB, `${c.req.param('owner')}/${c.req.param('repo')}`, Number(c.req.param('number')), body);
  return new Response(null, { status: 204 });
});

githubControl.post('/hook-deliveries', async (c) => {
  const body = await readBody(c, DeliveryBody);
  if (body instanceof Response) return body;
  const action = body.action ?? (typeof body.payload.action === 'string' ? body.payload.action : null);
  const item = await recordDelivery(c.env.EMU_DB, {
    guid: body.guid ?? crypto.randomUUID(),
    event: body.event,
    action,
    body: JSON.stringify(body.payload),
    redelivery: false,
    deliveredAt: body.deliveredAt ? new Date(body.deliveredAt).toISOString() : nowIso(),
    statusCode: body.statusCode,
  });
  return Response.json(item, { status: 201 });
});

githubControl.get('/hook-deliveries', async (c) => {
  const deliveries = await deliveriesByGuid(c.env, c.req.query('guid') ?? null);
  return Response.json({
    deliveries: deliveries.map(({ rawBody, request, ...rest }) => ({ ...rest, request: { ...request, body: rawBody } })),
  });
});

githubControl.get('/posted', async (c) => {
  const repo = c.req.query('repo');
  const posted = await listPosted(c.env.EMU_DB, repo || undefined);
  const annotations = await annotationsByRun(c.env.EMU_DB, repo || undefined);
  return Response.json({
    comments: posted.comments.map((r) => ({
      id: r.id,
      repo: r.full_name,
      issueNumber: r.issue_number,
      body: r.body,
      createdAt: ghTime(r.created_at),
      updatedAt: ghTime(r.updated_at),
      edits: r.edits,
    })),
    labels: posted.labels.map((r) => ({ repo: r.full_name, issueNumber: r.issue_number, name: r.name })),
    checkRuns: posted.checkRuns.map((r) => {
      const output = JSON.parse(r.output) as { title?: string; summary?: string; text?: string };
      return {
        id: r.id,
        repo: r.full_name,
        name: r.name,
        headSha: r.head_sha,
        status: r.status,
        conclusion: r.conclusion,
        title: output.title ?? null,
        summary: output.summary ?? null,
        text: output.text ?? null,
        annotations: annotations.get(r.id) ?? [],
        /** When the run was last written (ms precision: benchmarks time delivery → check run with it). */
        updatedAt: r.updated_at,
      };
    }),
  });
});

githubControl.post('/oauth-codes', async (c) => {
  const body = await readBody(c, OAuthCodeBody);
  if (body instanceof Response) return body;
  return Response.json({ code: await createOAuthCode(c.env.EMU_DB, body.login, body.installationIds) }, { status: 201 });
});

/** The API's hourly budget per credential, for load tests that are not about GitHub's limit (`POST /reset` restores 5000). */
githubControl.put('/rate-limit', async (c) => {
  const body = await readBody(c, z.object({ perHour: z.number().int().min(1) }));
  if (body instanceof Response) return body;
  setRateLimit(body.perHour);
  return Response.json({ perHour: body.perHour });
});
