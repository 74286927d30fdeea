/**
 * `GET /repos/:o/:r/contents/:path?ref=` of the emulated GitHub (installation token with
 * `contents: read`): a file answers GitHub's file object (content base64 in 60-character lines,
 * `sha` the real git blob sha; over 1 MB `content: ""` with `encoding: "none"`, as GitHub does), a
 * directory (the root too) an array of entries, anything else 404. Files are the ones seeded with
 * the control surface (`PUT /github/repos/:o/:r/contents`): for `?ref=X` those seeded for ref X,
 * else the default branch's. A repository with no files at all is "This repository is empty.".
 * `Accept: application/vnd.github.raw` answers a file's text itself (any size), as GitHub does.
 */
import { Hono } from 'hono';
import { requireInstallation, requirePermission } from './github-auth';
import { API_ORIGIN, type GitHubEnv, GitHubError, notFoundError } from './github-http';
import { getFile, listFiles } from './github-intel-store';
import { findRepository, type Repository } from './github-store';

/** Larger files come without content (GitHub's limit for the JSON answer). */
export const MAX_INLINE_BYTES = 1024 * 1024;
const DEFAULT_BRANCH = 'main';

/** Base64 of the bytes, in lines of 60 characters each ending in `\n` (Ruby's encode64, as GitHub sends). */
export function base64Lines(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const b64 = btoa(binary);
  let out = '';
  for (let i = 0; i < b64.length; i += 60) out += `${b64.slice(i, i + 60)}\n`;
  return out;
}

async function sha1Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Git's blob id: SHA-1 of `blob <size>\0<bytes>`. */
export async function gitBlobSha(bytes: Uint8Array): Promise<string> {
  const header = new TextEncoder().encode(`blob ${bytes.length}\0`);
  const all = new Uint8Array(header.length + bytes.length);
  all.set(header);
  all.set(bytes, header.length);
  return sha1Hex(all);
}

function links(repo: Repository, type: 'file' | 'dir', path: string, sha: string, ref: string) {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  const url = `${API_ORIGIN}/repos/${repo.fullName}/contents/${encoded}?ref=${encodeURIComponent(ref)}`;
  const git_url = `${API_ORIGIN}/repos/${repo.fullName}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`;
  const html_url = `https://github.com/${repo.fullName}/${type === 'file' ? 'blob' : 'tree'}/${ref}/${encoded}`;
  const download_url = type === 'file' ? `https://raw.githubusercontent.com/${repo.fullName}/${ref}/${encoded}` : null;
  return { url, git_url, html_url, download_url, _links: { self: url, git: git_url, html: html_url } };
}

/** The repository path from the request URL (`…/contents/a%20b/c.ts` → `a b/c.ts`), without outer slashes. */
function pathOf(url: string, owner: string, repo: string): string {
  const pathname = new URL(url).pathname;
  const marker = `/repos/${owner}/${repo}/contents`;
  const rest = pathname.slice(pathname.indexOf(marker) + marker.length);
  return rest
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s))
    .join('/');
}

export const githubContentsRoutes = new Hono<GitHubEnv>();

githubContentsRoutes.get('/repos/:owner/:repo/contents/*', contents);
githubContentsRoutes.get('/repos/:owner/:repo/contents', contents);

async function contents(c: import('hono').Context<GitHubEnv>): Promise<Response> {
  const installation = requireInstallation(c.get('principal'));
  const owner = c.req.param('owner') ?? '';
  const name = c.req.param('repo') ?? '';
  const repo = await findRepository(c.env.EMU_DB, installation.id, `${owner}/${name}`);
  if (!repo) throw notFoundError();
  requirePermission(installation, 'contents', 'read');
  const ref = c.req.query('ref') || undefined;
  const shownRef = ref ?? DEFAULT_BRANCH;
  const path = pathOf(c.req.url, owner, name);
  const encoder = new TextEncoder();

  const text = path === '' ? null : await getFile(c.env.EMU_DB, repo.fullName, ref, path);
  if (text !== null) {
    // `Accept: application/vnd.github.raw` (octokit's `mediaType: {format: "raw"}`): the bytes themselves, any size.
    if (/application\/vnd\.github(\.v3)?\.raw/.test(c.req.header('accept') ?? '')) {
      return new Response(text, { headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' } });
    }
    const bytes = encoder.encode(text);
    const sha = await gitBlobSha(bytes);
    const inline = bytes.length <= MAX_INLINE_BYTES;
    return c.json({
      type: 'file',
      encoding: inline ? 'base64' : 'none',
      size: bytes.length,
      name: path.split('/').at(-1) ?? path,
      path,
      content: inline ? base64Lines(bytes) : '',
      sha,
      ...links(repo, 'file', path, sha, shownRef),
    });
  }

  const prefix = path === '' ? '' : `${path}/`;
  const files = await listFiles(c.env.EMU_DB, repo.fullName, ref, prefix);
  if (files.length === 0) {
    if (path === '') throw new GitHubError(404, 'This repository is empty.');
    throw notFoundError();
  }
  // Direct children: files at this level, and one entry per subdirectory (its files' blob ids make its sha).
  const entries = new Map<string, { type: 'file' | 'dir'; size: number; parts: string[] }>();
  for (const f of files) {
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    const child = slash < 0 ? rest : rest.slice(0, slash);
    const entry = entries.get(child) ?? { type: slash < 0 ? 'file' : 'dir', size: 0, parts: [] };
    if (slash < 0) entry.size = f.size;
    entry.parts.push(`${rest}\0${await gitBlobSha(encoder.encode(f.content))}`);
    entries.set(child, entry);
  }
  const out = [];
  for (const [child, entry] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const childPath = `${prefix}${child}`;
    const sha =
      entry.type === 'file'
        ? (entry.parts[0]?.split('\0')[1] ?? '')
        : await sha1Hex(encoder.encode(`tree\0${entry.parts.sort().join('\n')}`));
    out.push({
      type: entry.type,
      size: entry.type === 'file' ? entry.size : 0,
      name: child,
      path: childPath,
      sha,
      ...links(repo, entry.type, childPath, sha, shownRef),
    });
  }
  return c.json(out);
}
