/**
 * A repository's ChittyConnect configuration, as the handlers use it: `.github/chittyconnect.yml`
 * read at a commit (and, with `extends: org`, the organisation's file in its `.github`
 * repository first), parsed (config-schema.ts), merged over the defaults, and cached in
 * CHITTYCONNECT_KV (`ghconfig:` keys): a day per commit sha (a commit's file never changes), 60 s
 * for the default branch (or another ref name). A missing file is the defaults; a bad one is the defaults for what is
 * bad plus problems with line numbers, never an exception. GitHub errors other than 404 propagate,
 * so the delivery is retried.
 */
import { RequestError } from '@octokit/request-error';
import type { GitHubClient } from '../client/api';
import { CONFIG_PATH, type ConfigProblem, mergeConfig, type PartialRepoConfig, parseConfig, type RepoConfig } from './config-schema';

export type { ConfigProblem, IssueType, PartialRepoConfig, Priority, RepoConfig, Threshold } from './config-schema';
export {
  CONFIG_PATH,
  DEFAULT_CONFIG,
  DEFAULT_PRIORITY_LABELS,
  ISSUE_TYPES,
  mergeConfig,
  PRIORITIES,
  parseConfig,
  THRESHOLDS,
} from './config-schema';

export interface RepoRef {
  owner: string;
  repo: string;
  repositoryId: number;
}

export interface LoadedConfig {
  config: RepoConfig;
  problems: ConfigProblem[];
  /** GitHub calls made (0 on a cache hit). */
  calls: number;
}

/** The organisation-wide file lives in this repository of the owner. */
const ORG_REPO = '.github';
/** A config file larger than this is not read (GitHub's contents API itself stops inlining at 1 MB). */
const MAX_CONFIG_BYTES = 64 * 1024;
const SHA_TTL_SECONDS = 24 * 60 * 60;
const DEFAULT_TTL_SECONDS = 60;
const isSha = (ref: string) => /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(ref);

/** The cache key: per commit sha, per other ref (a branch name), or the default branch (ref null). */
export const configCacheKey = (repositoryId: number, ref: string | null) =>
  `ghconfig:v1:${repositoryId}:${ref === null ? 'default' : isSha(ref) ? ref.toLowerCase() : `ref:${ref}`}`;

/** A file's text from the contents API; null when absent (404), a problem when it is not a readable file. */
async function readFile(
  gh: GitHubClient,
  at: { owner: string; repo: string; ref?: string },
  label: string,
): Promise<{ text: string } | { problem: ConfigProblem } | null> {
  let data: unknown;
  try {
    ({ data } = await gh.request('GET /repos/{owner}/{repo}/contents/{path}', { ...at, path: CONFIG_PATH }));
  } catch (err) {
    if (err instanceof RequestError && err.status === 404) return null;
    throw err;
  }
  const problem = (message: string) => ({ problem: { file: label, line: null, column: null, message } });
  if (typeof data === 'string') return data.length > MAX_CONFIG_BYTES ? problem('the file is over 64 KB; it was not read') : { text: data };
  const file = data as { type?: string; encoding?: string; content?: string; size?: number };
  if (Array.isArray(data) || file.type !== 'file') return problem(`${CONFIG_PATH} is not a file`);
  if ((file.size ?? 0) > MAX_CONFIG_BYTES || file.encoding !== 'base64' || typeof file.content !== 'string') {
    return problem('the file is over 64 KB; it was not read');
  }
  try {
    const bytes = Uint8Array.from(atob(file.content.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return problem('the file is not UTF-8 text');
  }
}

/** Reads, parses and merges the configuration at `ref` (null: the default branch). Cached; see the module comment. */
export async function loadRepoConfig(gh: GitHubClient, kv: KVNamespace, repo: RepoRef, ref: string | null): Promise<LoadedConfig> {
  const key = configCacheKey(repo.repositoryId, ref);
  const cached = await kv.get<{ config: RepoConfig; problems: ConfigProblem[] }>(key, 'json');
  if (cached) return { ...cached, calls: 0 };
  let calls = 1;
  const own = await readFile(gh, { owner: repo.owner, repo: repo.repo, ...(ref ? { ref } : {}) }, CONFIG_PATH);
  const problems: ConfigProblem[] = [];
  let repoConfig: PartialRepoConfig = {};
  if (own && 'problem' in own) problems.push(own.problem);
  if (own && 'text' in own) {
    const parsed = parseConfig(own.text, CONFIG_PATH);
    repoConfig = parsed.config;
    problems.push(...parsed.problems);
  }
  let orgConfig: PartialRepoConfig = {};
  if (repoConfig.extends === 'org' && repo.repo.toLowerCase() !== ORG_REPO) {
    calls++;
    const label = `${repo.owner}/${ORG_REPO}:${CONFIG_PATH}`;
    const org = await readFile(gh, { owner: repo.owner, repo: ORG_REPO }, label);
    if (org === null)
      problems.push({ file: label, line: null, column: null, message: 'extends: org, but the organisation has no such file' });
    else if ('problem' in org) problems.push(org.problem);
    else {
      const parsed = parseConfig(org.text, label);
      orgConfig = parsed.config;
      problems.push(...parsed.problems);
    }
  }
  const config = mergeConfig(orgConfig, repoConfig);
  const ttl = ref !== null && isSha(ref) ? SHA_TTL_SECONDS : DEFAULT_TTL_SECONDS;
  await kv.put(key, JSON.stringify({ config, problems }), { expirationTtl: ttl });
  return { config, problems, calls };
}
