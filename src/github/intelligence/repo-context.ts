/**
 * Each installed repository's ChittyConnect context, made and changed through the contexts service
 * like every other context (its ChittyID minted by the authority, an owner, the change and its
 * outbox event in one batch, so DNA and Chronicle see it). The owner is one actor for the whole
 * deployment, `GITHUB_CONTEXT_OWNER` (an operator's or organisation's actor): GitHub accounts are
 * not linked to ChittyOS actors, so no per-installation owner can be derived; unset, no repository
 * contexts are made. Refreshed on installation created / repositories added, and on pushes to the
 * default branch at most once per 10 minutes per repository (a KV mark), unless the repository's
 * config turns `context` off; marked inactive when the repository leaves the installation (or the
 * installation is deleted), active again when it comes back. Shows languages, the top-level layout, recent activity (from the
 * App's own D1 tables), the top 10 contributors, and open findings (the latest default-branch
 * push's, and those still present at each recently analysed pull request's latest head).
 * Best effort: a failure is logged and the next trigger tries again; the delivery is not failed.
 */
import { RequestError } from '@octokit/request-error';
import { config } from '../../config';
import { changeContext, createContext } from '../../contexts/service';
import type { EcosystemClient } from '../../ecosystem/client';
import type { Env } from '../../env';
import { AppError } from '../../http/errors';
import type { Logger } from '../../lib/log';
import { describeGitHubError, type GitHubClient } from '../client/api';
import {
  claimRepoContext,
  countPush,
  markRefreshed,
  openFindings,
  recordRepoContext,
  repoActivity,
  repoContextRow,
} from '../store/repo-contexts';
import { loadRepoConfig } from './config';
import type { RepoAt } from './triage-repo';

export interface RepoContextDeps {
  env: Env;
  gh: GitHubClient;
  client: EcosystemClient;
  log: Logger;
  now: Date;
}

export interface InstalledRepo extends RepoAt {
  fullName: string;
}

export const REFRESH_EVERY_SECONDS = 10 * 60;
/** Repositories refreshed by one installation event (the rest on their first default-branch push). */
export const MAX_REPOS_PER_EVENT = 20;
const STALE_CLAIM_MS = 2 * 60_000;
const ACTIVITY_DAYS = 30;
const throttleKey = (repositoryId: number) => `ghrepoctx:v1:${repositoryId}`;

/** Answers a GET; a 404 or 409 (empty repository) as `empty`. */
async function read<T>(call: () => Promise<{ data: T }>, empty: T): Promise<T> {
  try {
    return (await call()).data;
  } catch (err) {
    if (err instanceof RequestError && (err.status === 404 || err.status === 409)) return empty;
    throw err;
  }
}

/** What the context shows (one data entry; 3 GitHub calls). */
async function snapshot(d: RepoContextDeps, repo: InstalledRepo, row: Awaited<ReturnType<typeof repoContextRow>>) {
  const at = { owner: repo.owner, repo: repo.repo };
  const languages = await read(() => d.gh.request('GET /repos/{owner}/{repo}/languages', at), {} as Record<string, number>);
  const root = await read(() => d.gh.request('GET /repos/{owner}/{repo}/contents/{path}', { ...at, path: '' }), [] as unknown);
  const contributors = await read(() => d.gh.request('GET /repos/{owner}/{repo}/contributors', { ...at, per_page: 10 }), []);
  const since = new Date(d.now.getTime() - ACTIVITY_DAYS * 86_400_000).toISOString();
  const layout = (Array.isArray(root) ? (root as { name?: unknown; type?: unknown }[]) : [])
    .filter((e) => typeof e.name === 'string')
    .slice(0, 100)
    .map((e) => ({ name: String(e.name).slice(0, 100), type: e.type === 'dir' ? 'dir' : 'file' }));
  return {
    kind: 'github.repository',
    repository: { id: repo.repositoryId, fullName: repo.fullName, url: `https://github.com/${repo.fullName}` },
    languages: Object.fromEntries(Object.entries(languages ?? {}).slice(0, 20)),
    layout,
    activity: {
      days: ACTIVITY_DAYS,
      ...(await repoActivity(d.env.DB, repo.repositoryId, since)),
      defaultBranchPushes: row?.pushes ?? 0,
      lastPushAt: row?.lastPushAt ?? null,
    },
    // An empty repository answers /contributors with 204 and no body.
    contributors: (Array.isArray(contributors) ? contributors : [])
      .slice(0, 10)
      .map((c) => ({ login: c.login ?? null, contributions: c.contributions })),
    findings: await openFindings(d.env.DB, repo.repositoryId, since),
    refreshedAt: d.now.toISOString(),
  };
}

/** The context's name: `github/<owner>/<repo>`; when that is taken (names are unique), with the repository id. */
const nameFor = (repo: InstalledRepo, attempt: number) =>
  `github/${repo.fullName}${attempt === 0 ? '' : ` ${repo.repositoryId}${attempt === 1 ? '' : `-${crypto.randomUUID().slice(0, 8)}`}`}`.slice(
    0,
    128,
  );

async function create(d: RepoContextDeps, owner: string, repo: InstalledRepo, data: unknown): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const input = { name: nameFor(repo, attempt), data: [data], systems: ['github'] };
      // The owner's principal is not known here: its read cache (60 s, per isolate) may show the old version briefly.
      return (await createContext(d.env.DB, d.client, { chittyId: owner, principalId: '' }, input)).chittyId;
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'name_taken') || attempt >= 2) throw err;
    }
  }
}

/** Changes the context; a version changed by its owner meanwhile is read from the 412 and tried again. */
async function update(
  d: RepoContextDeps,
  owner: string,
  id: string,
  changes: { data?: unknown[]; status: 'active' | 'inactive' },
): Promise<'updated' | 'gone'> {
  let version = 0; // unknown: the first attempt learns it from the 412
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await changeContext(d.env.DB, owner, id, version, changes);
      return 'updated';
    } catch (err) {
      if (err instanceof AppError && err.code === 'context_not_found') return 'gone';
      const etag = err instanceof AppError && err.code === 'version_mismatch' ? err.extra.headers?.etag : undefined;
      const current = etag ? Number(/"(\d+)"/.exec(etag)?.[1]) : Number.NaN;
      if (!Number.isFinite(current)) throw err;
      version = current;
    }
  }
  throw new Error(`context ${id} kept changing while it was refreshed`);
}

/**
 * Creates or refreshes the repository's context. `force` skips the 10-minute throttle (installation
 * events). Returns what happened; never throws (see the module comment).
 */
export async function refreshRepoContext(
  d: RepoContextDeps,
  repo: InstalledRepo,
  force: boolean,
): Promise<'created' | 'updated' | 'skipped' | 'failed'> {
  const owner = config(d.env).githubContextOwner;
  if (!owner) return 'skipped';
  const kv = d.env.CHITTYCONNECT_KV;
  try {
    if (!force && (await kv.get(throttleKey(repo.repositoryId))) !== null) return 'skipped';
    const { config: repoConfig } = await loadRepoConfig(d.gh, kv, repo, null);
    if (!repoConfig.context.enabled) return 'skipped';
    const at = d.now.toISOString();
    const row = await repoContextRow(d.env.DB, repo.repositoryId);
    const data = await snapshot(d, repo, row);
    let outcome: 'created' | 'updated' | 'skipped';
    if (row?.contextId && (await update(d, row.owner, row.contextId, { data: [data], status: 'active' })) === 'updated') {
      await markRefreshed(d.env.DB, repo.repositoryId, at);
      outcome = 'updated';
    } else {
      if (row?.contextId) await recordRepoContext(d.env.DB, repo.repositoryId, null, at); // its owner deleted it: make it again
      const staleBefore = new Date(d.now.getTime() - STALE_CLAIM_MS).toISOString();
      if (!(await claimRepoContext(d.env.DB, repo.repositoryId, repo.fullName, owner, at, staleBefore))) return 'skipped'; // another run is making it
      await recordRepoContext(d.env.DB, repo.repositoryId, await create(d, owner, repo, data), at);
      outcome = 'created';
    }
    await kv.put(throttleKey(repo.repositoryId), at, { expirationTtl: REFRESH_EVERY_SECONDS });
    d.log.log('info', 'github.repo_context', { repository: repo.fullName, outcome });
    return outcome;
  } catch (err) {
    d.log.log('warn', 'github.repo_context_failed', { repository: repo.fullName, error: describeGitHubError(err) });
    return 'failed';
  }
}

/** A push to the default branch: counted, then the context refreshed (throttled). */
export async function onDefaultBranchPush(d: RepoContextDeps, repo: InstalledRepo): Promise<void> {
  const owner = config(d.env).githubContextOwner;
  if (!owner) return;
  await countPush(d.env.DB, repo.repositoryId, repo.fullName, owner, d.now.toISOString());
  await refreshRepoContext(d, repo, false);
}

/** Installation created or repositories added: each (up to MAX_REPOS_PER_EVENT) refreshed now. */
export async function onRepositoriesInstalled(d: RepoContextDeps, repos: readonly { id: number; full_name: string }[]): Promise<void> {
  for (const r of repos.slice(0, MAX_REPOS_PER_EVENT)) {
    const [owner, name] = r.full_name.split('/');
    if (!owner || !name) continue;
    await refreshRepoContext(d, { owner, repo: name, repositoryId: r.id, fullName: r.full_name }, true);
  }
}

/**
 * Repositories removed from the installation, or the installation deleted: their contexts are kept
 * (the history stays readable) but marked `inactive`; a repository added again makes it active.
 */
export async function onRepositoriesRemoved(d: RepoContextDeps, repos: readonly { id?: number | undefined }[]): Promise<void> {
  for (const r of repos.slice(0, MAX_REPOS_PER_EVENT)) {
    if (r.id === undefined) continue;
    const row = await repoContextRow(d.env.DB, r.id);
    if (!row?.contextId) continue;
    try {
      await update(d, row.owner, row.contextId, { status: 'inactive' });
      await d.env.CHITTYCONNECT_KV.delete(throttleKey(r.id));
    } catch (err) {
      d.log.log('warn', 'github.repo_context_failed', { repositoryId: r.id, error: describeGitHubError(err) });
    }
  }
}
