/**
 * Control routes (under `/github` on `control.emulator`, no auth) that seed what repository
 * intelligence reads from the emulated GitHub and act as a human would: a repository's files (per
 * ref), label set, commits, languages and compares, an issue's fields, and taking a label off an
 * issue. Bodies use the emulator's own 400 `{error:"bad_request", detail}`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { type AppEnv, notFound, readBody } from '../http';
import { CommitSeed, CompareSeed } from './github-history';
import { DEFAULT_REF, issueLabels, putContents, putSeed, removeIssueLabel, replaceRepoLabels } from './github-intel-store';
import { IssueSeed } from './github-labels';

export const githubIntelControl = new Hono<AppEnv>();

const fullNameOf = (c: { req: { param: (name: string) => string | undefined } }) => `${c.req.param('owner')}/${c.req.param('repo')}`;

const ContentsBody = z.object({
  files: z.record(z.string().min(1), z.string()),
  ref: z.string().min(1).optional(),
});

githubIntelControl.put('/repos/:owner/:repo/contents', async (c) => {
  const body = await readBody(c, ContentsBody);
  if (body instanceof Response) return body;
  const files = Object.fromEntries(Object.entries(body.files).map(([path, text]) => [path.replace(/^\/+|\/+$/g, ''), text]));
  await putContents(c.env.EMU_DB, fullNameOf(c), body.ref ?? DEFAULT_REF, files);
  return new Response(null, { status: 204 });
});

export const LabelSeed = z.object({
  name: z.string().min(1).max(50),
  color: z
    .string()
    .regex(/^[0-9a-fA-F]{6}$/, 'six hex digits without #')
    .transform((v) => v.toLowerCase())
    .default('ededed'),
  description: z.string().max(100).nullable().default(null),
});

githubIntelControl.put('/repos/:owner/:repo/labels', async (c) => {
  const body = await readBody(c, z.array(LabelSeed).max(1000));
  if (body instanceof Response) return body;
  const names = new Set(body.map((l) => l.name.toLowerCase()));
  if (names.size !== body.length)
    return Response.json({ error: 'bad_request', detail: 'label names repeat (case-insensitive)' }, { status: 400 });
  await replaceRepoLabels(c.env.EMU_DB, fullNameOf(c), body);
  return new Response(null, { status: 204 });
});

githubIntelControl.put('/repos/:owner/:repo/issues/:number{[0-9]+}', async (c) => {
  const body = await readBody(c, IssueSeed);
  if (body instanceof Response) return body;
  await putSeed(c.env.EMU_DB, fullNameOf(c), 'issue', c.req.param('number'), body);
  return new Response(null, { status: 204 });
});

githubIntelControl.get('/repos/:owner/:repo/issues/:number{[0-9]+}/labels', async (c) => {
  const labels = await issueLabels(c.env.EMU_DB, fullNameOf(c), Number(c.req.param('number')));
  return Response.json({ labels: labels.map((l) => l.name) });
});

githubIntelControl.delete('/repos/:owner/:repo/issues/:number{[0-9]+}/labels/:name', async (c) => {
  const removed = await removeIssueLabel(c.env.EMU_DB, fullNameOf(c), Number(c.req.param('number')), c.req.param('name'));
  return removed ? new Response(null, { status: 204 }) : notFound();
});

githubIntelControl.put('/repos/:owner/:repo/commits', async (c) => {
  const body = await readBody(c, z.array(CommitSeed).max(5000));
  if (body instanceof Response) return body;
  await putSeed(c.env.EMU_DB, fullNameOf(c), 'commits', '', body);
  return new Response(null, { status: 204 });
});

githubIntelControl.put('/repos/:owner/:repo/languages', async (c) => {
  const body = await readBody(c, z.record(z.string().min(1), z.number().int().min(0)));
  if (body instanceof Response) return body;
  await putSeed(c.env.EMU_DB, fullNameOf(c), 'languages', '', body);
  return new Response(null, { status: 204 });
});

githubIntelControl.put('/repos/:owner/:repo/compare', async (c) => {
  const body = await readBody(c, CompareSeed);
  if (body instanceof Response) return body;
  await putSeed(c.env.EMU_DB, fullNameOf(c), 'compare', `${body.base}...${body.head}`, body);
  return new Response(null, { status: 204 });
});
