/**
 * What triage reads from a repository on GitHub, each counted and cached in CHITTYCONNECT_KV for
 * 10 minutes per repository (labels, CODEOWNERS and who works on a file change rarely; an issue
 * storm or a string of edits must not cost calls per event): its labels, its CODEOWNERS rules, and
 * the recent committers of a path.
 */
import { RequestError } from '@octokit/request-error';
import { parseCodeowners } from '../../analysis/triage';
import { sha256Hex } from '../../lib/crypto';
import type { GitHubClient } from '../client/api';

export interface RepoAt {
  owner: string;
  repo: string;
  repositoryId: number;
}

/** GitHub calls made, by whoever holds it (the tests count them). */
export interface Calls {
  n: number;
}

const TTL_SECONDS = 10 * 60;
/** A repository with more labels than this is read only this far (GitHub pages at 100). */
const MAX_LABEL_PAGES = 3;
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;
/** A GitHub login or `org/team`, as CODEOWNERS names them (emails are left out: they cannot be suggested). */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9_.-]{1,100})?$/;

export const labelsCacheKey = (repositoryId: number) => `ghlabels:v1:${repositoryId}`;
const codeownersCacheKey = (repositoryId: number) => `ghcodeowners:v1:${repositoryId}`;

async function cached<T>(kv: KVNamespace, key: string, load: () => Promise<T>): Promise<T> {
  const hit = await kv.get<{ v: T }>(key, 'json');
  if (hit) return hit.v;
  const value = await load();
  await kv.put(key, JSON.stringify({ v: value }), { expirationTtl: TTL_SECONDS });
  return value;
}

/** The repository's label names (1 call per 100 labels on a cache miss). */
export function repoLabels(gh: GitHubClient, kv: KVNamespace, at: RepoAt, calls: Calls): Promise<string[]> {
  return cached(kv, labelsCacheKey(at.repositoryId), async () => {
    const labels: string[] = [];
    let pages = 0;
    for await (const { data } of gh.paginate.iterator('GET /repos/{owner}/{repo}/labels', {
      owner: at.owner,
      repo: at.repo,
      per_page: 100,
    })) {
      calls.n++;
      labels.push(...data.map((l) => l.name));
      if (++pages >= MAX_LABEL_PAGES) break;
    }
    return labels;
  });
}

/** Creates a label; one that already exists (a race, or a stale cache) counts as created. */
export async function createLabel(gh: GitHubClient, at: RepoAt, name: string, color: string, calls: Calls): Promise<void> {
  calls.n++;
  try {
    await gh.request('POST /repos/{owner}/{repo}/labels', { owner: at.owner, repo: at.repo, name, color });
  } catch (err) {
    const exists =
      err instanceof RequestError &&
      err.status === 422 &&
      JSON.stringify((err.response?.data as { errors?: unknown } | undefined)?.errors ?? '').includes('already_exists');
    if (!exists) throw err;
  }
}

/** A file's text from the contents API, or null when absent. */
async function fileText(gh: GitHubClient, at: RepoAt, path: string, calls: Calls): Promise<string | null> {
  calls.n++;
  try {
    const { data } = await gh.request('GET /repos/{owner}/{repo}/contents/{path}', { owner: at.owner, repo: at.repo, path });
    const file = data as { type?: string; encoding?: string; content?: string };
    if (Array.isArray(data) || file.type !== 'file' || file.encoding !== 'base64' || typeof file.content !== 'string') return null;
    const bytes = Uint8Array.from(atob(file.content.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch (err) {
    if (err instanceof RequestError && err.status === 404) return null;
    throw err;
  }
}

/** The repository's CODEOWNERS rules (GitHub's three locations, first found wins), or [] when it has none. */
export function codeownersRules(gh: GitHubClient, kv: KVNamespace, at: RepoAt, calls: Calls) {
  return cached(kv, codeownersCacheKey(at.repositoryId), async () => {
    for (const path of CODEOWNERS_PATHS) {
      const text = await fileText(gh, at, path, calls);
      if (text !== null) return parseCodeowners(text.slice(0, 128 * 1024));
    }
    return [];
  });
}

/** Logins that can be suggested: `@` stripped, GitHub's login (or `org/team`) shape only. */
export function suggestable(owners: readonly string[]): string[] {
  const logins = owners.map((o) => o.replace(/^@/, '')).filter((o) => LOGIN.test(o));
  return [...new Set(logins)];
}

const listCommits = (gh: GitHubClient, at: RepoAt, path: string) =>
  gh.request('GET /repos/{owner}/{repo}/commits', { owner: at.owner, repo: at.repo, path, per_page: 10 });

/** Recent human committers of a path (1 call on a cache miss; newest first, each login once). */
export async function recentCommitters(gh: GitHubClient, kv: KVNamespace, at: RepoAt, path: string, calls: Calls): Promise<string[]> {
  const key = `ghcommitters:v1:${at.repositoryId}:${(await sha256Hex(path)).slice(0, 32)}`;
  return cached(kv, key, () => committersOf(gh, at, path, calls));
}

async function committersOf(gh: GitHubClient, at: RepoAt, path: string, calls: Calls): Promise<string[]> {
  calls.n++;
  let data: Awaited<ReturnType<typeof listCommits>>['data'];
  try {
    ({ data } = await listCommits(gh, at, path));
  } catch (err) {
    // An empty repository (409) or one GitHub cannot list (404): nobody to suggest, not a failed delivery.
    if (err instanceof RequestError && (err.status === 404 || err.status === 409)) return [];
    throw err;
  }
  const logins = data
    .map((c) => c.author)
    .filter((a): a is NonNullable<typeof a> => !!a && 'login' in a && a.type !== 'Bot' && !a.login.endsWith('[bot]'))
    .map((a) => a.login);
  return suggestable(logins);
}
