/**
 * HTTP plumbing of the emulated GitHub REST API (host `api.*`): the one error type its handlers
 * throw (rendered GitHub-shaped: `{message, documentation_url, status}`), the body reader that
 * answers 400 "Problems parsing JSON" and 422 "Validation Failed" like GitHub, GitHub's timestamp
 * format (seconds, `Z`), and page-number pagination with a `Link: <…>; rel="next"` header.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { type EmulatorEnv, isMissingTable } from '../store';
import type { Principal } from './github-auth';

/** The Hono env of the API host: the caller, resolved once by the auth middleware. */
export type GitHubEnv = { Bindings: EmulatorEnv; Variables: { principal: Principal } };

export const API_ORIGIN = 'https://api.github.com';
const DOCS = 'https://docs.github.com/rest';

/** An answer GitHub would give; thrown anywhere in a handler, rendered by `renderGitHubError`. */
export class GitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResponse(): Response {
    const body = { message: this.message, ...this.extra, documentation_url: DOCS, status: String(this.status) };
    return Response.json(body, { status: this.status, headers: this.headers });
  }
}

export const notFoundError = (): GitHubError => new GitHubError(404, 'Not Found');

/** onError for the GitHub apps: GitHub errors are answered, missing tables propagate (the router retries). */
export function renderGitHubError(err: Error): Response {
  if (err instanceof GitHubError) return err.toResponse();
  if (isMissingTable(err)) throw err;
  return new GitHubError(500, `Emulator failure: ${err.message}`).toResponse();
}

/** GitHub's timestamp format: ISO 8601 UTC to the second. */
export function ghTime(date: Date | string = new Date()): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface ValidationIssue {
  resource: string;
  field: string;
  code: 'missing_field' | 'invalid';
  message?: string;
}

/** Reads a JSON body and validates it; 400 for unparseable JSON, 422 with per-field `errors` otherwise. */
export async function readGitHubBody<S extends z.ZodType>(c: Context, schema: S, resource: string): Promise<z.output<S>> {
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch {
    throw new GitHubError(400, 'Problems parsing JSON');
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const errors: ValidationIssue[] = parsed.error.issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && issue.message.includes('undefined');
    return { resource, field: issue.path.join('.'), code: missing ? 'missing_field' : 'invalid', message: issue.message };
  });
  throw new GitHubError(422, 'Validation Failed', { errors });
}

/** A validation failure found by hand (not by a schema). */
export function validationFailed(resource: string, field: string, message: string): GitHubError {
  return new GitHubError(422, 'Validation Failed', { errors: [{ resource, field, code: 'invalid', message }] });
}

/** `per_page` (1–100, default `fallback`) and `page` (≥ 1, default 1) from the query. */
export function pageParams(c: Context, fallback = 30): { perPage: number; page: number } {
  const per = Number.parseInt(c.req.query('per_page') ?? '', 10);
  const page = Number.parseInt(c.req.query('page') ?? '', 10);
  return {
    perPage: Number.isInteger(per) && per > 0 ? Math.min(per, 100) : fallback,
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

/**
 * One page of `items`, and the Link header GitHub would send with it (`next` and `last` when more
 * pages follow, `prev` and `first` after the first page), or null when everything fits in one page.
 */
export function paginate<T>(items: readonly T[], path: string, perPage: number, page: number): { items: T[]; link: string | null } {
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const at = (p: number) => `<${API_ORIGIN}${path}?per_page=${perPage}&page=${p}>`;
  const links: string[] = [];
  if (page < lastPage) links.push(`${at(page + 1)}; rel="next"`, `${at(lastPage)}; rel="last"`);
  if (page > 1) links.push(`${at(Math.min(page - 1, lastPage))}; rel="prev"`, `${at(1)}; rel="first"`);
  return { items: items.slice((page - 1) * perPage, page * perPage), link: links.length > 0 ? links.join(', ') : null };
}

/** A JSON answer with an optional Link header. */
export function jsonWithLink(body: unknown, link: string | null, status = 200): Response {
  return Response.json(body, { status, headers: link ? { link } : {} });
}
