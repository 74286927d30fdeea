/**
 * The GitHub API client: octokit with our injected fetch (the emulator locally, the network when
 * deployed) and a configurable base URL (GITHUB_API_URL, default https://api.github.com).
 *   - App JWT and installation tokens come from @octokit/auth-app. Installation tokens are cached
 *     in the isolate and, encrypted, in TOKEN_KV (`ghtoken:` keys) until 5 minutes before GitHub's 1 h expiry,
 *     so a queue batch or a new isolate reuses them instead of minting one per event.
 *   - @octokit/plugin-throttling honours GitHub's rate-limit headers: a primary limit
 *     (x-ratelimit-remaining: 0) or a secondary one (Retry-After) is waited out and retried when
 *     the wait is short; a longer one fails the call, and `rateLimitWait` tells the queue
 *     consumer how long to wait before retrying the delivery. Writes are spaced per
 *     installation (GITHUB_WRITE_SPACING_MS, default 1000 ms; new comments, which notify people,
 *     three times that: GitHub's guidance for content-creating requests).
 *   - A 401 on an installation call refreshes the token once (a revoked or stale cached token).
 *   - @octokit/plugin-retry retries 5xx answers with backoff (1, 4, 9 × GITHUB_RETRY_UNIT_MS).
 */
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { request } from '@octokit/request';
import { RequestError } from '@octokit/request-error';
import Bottleneck from 'bottleneck/light.js';
import { config } from '../../config';
import { credentialKeyringFromEnv, isSealed, seal, unseal } from '../../crypto/keyring';
import { outboundFetch } from '../../ecosystem/from-env';
import type { Env } from '../../env';
import { consoleLogger } from '../../lib/log';

export const GitHubOctokit = Octokit.plugin(retry, throttling, paginateRest);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

/** Rate-limit waits up to this long are taken inside the call; longer ones go back to the queue. */
const MAX_INLINE_WAIT_SECONDS = 10;
const MAX_INLINE_RETRIES = 2;
/** Installation tokens live 1 h at GitHub; ours are dropped 5 minutes before that. */
const TOKEN_MARGIN_MS = 5 * 60_000;

/** Missing App credentials: nothing GitHub-facing can work until they are set. */
export class GitHubNotConfigured extends Error {}

interface TokenCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

const isolateTokens = new Map<string, string>();

/** The cached value is auth-app's `token|createdAt|expiresAt|…`; anything near expiry is a miss. */
function usable(value: string | null | undefined): value is string {
  if (!value) return false;
  const expiresAt = Date.parse(value.split('|')[2] ?? '');
  return Number.isFinite(expiresAt) && expiresAt - TOKEN_MARGIN_MS > Date.now();
}

const tokenAad = (key: string) => `chittyconnect:github-installation-token:v1:${key}`;

/**
 * auth-app's token cache, in the isolate first and TOKEN_KV second — there encrypted under the
 * credentials keyring (AES-256-GCM, bound to the cache key), like connection credentials. Without a
 * keyring the KV layer is skipped. Values hold a token: never logged.
 */
function tokenCache(env: Env): TokenCache {
  const keyring = (() => {
    try {
      return credentialKeyringFromEnv(env);
    } catch {
      return null; // CREDENTIALS_ENCRYPTION_KEY unset or invalid: tokens stay in the isolate only
    }
  })();
  return {
    async get(key) {
      const local = isolateTokens.get(key);
      if (usable(local)) return local;
      isolateTokens.delete(key);
      if (!keyring) return undefined;
      const sealed = await env.TOKEN_KV.get<unknown>(`ghtoken:${key}`, 'json');
      if (!isSealed(sealed)) return undefined;
      const stored = await unseal(keyring, tokenAad(key), sealed).catch(() => null); // a rotated-away key: fetch a new token
      if (!usable(stored)) return undefined;
      if (isolateTokens.size > 500) isolateTokens.clear();
      isolateTokens.set(key, stored);
      return stored;
    },
    async set(key, value) {
      if (isolateTokens.size > 500) isolateTokens.clear();
      isolateTokens.set(key, value);
      const expiresAt = Date.parse(value.split('|')[2] ?? '');
      const ttl = Math.floor((expiresAt - TOKEN_MARGIN_MS - Date.now()) / 1000);
      if (keyring && ttl >= 60) {
        await env.TOKEN_KV.put(`ghtoken:${key}`, JSON.stringify(await seal(keyring, tokenAad(key), value)), { expirationTtl: ttl });
      }
    },
  };
}

/** Drops an installation's cached token (it was uninstalled or suspended: GitHub revoked it). */
export async function forgetInstallationToken(kv: KVNamespace, installationId: number): Promise<void> {
  const key = String(installationId); // auth-app's cache key for a token with the installation's full access
  isolateTokens.delete(key);
  await kv.delete(`ghtoken:${key}`);
}

/** Per-installation spacing of calls (one limiter per installation id), shared by every client of the isolate. */
const spacingGroups = new Map<number, Bottleneck.Group>();
function spaced(minTimeMs: number): Bottleneck.Group {
  let group = spacingGroups.get(minTimeMs);
  if (!group) {
    group = new Bottleneck.Group({ maxConcurrent: 1, minTime: minTimeMs });
    spacingGroups.set(minTimeMs, group);
  }
  return group;
}

/** GitHub's REST API base URL without a trailing slash (`GITHUB_API_URL`, default https://api.github.com; config.ts). */
export function githubApiUrl(env: Env): string {
  return config(env).githubApiUrl;
}

function appCredentials(env: Env): { appId: string; privateKey: string } {
  if (!env.GITHUB_APP_ID || !env.GITHUB_APP_PRIVATE_KEY) {
    throw new GitHubNotConfigured('GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY must be set for the GitHub App to call GitHub.');
  }
  return { appId: env.GITHUB_APP_ID, privateKey: env.GITHUB_APP_PRIVATE_KEY.replace(/\\n/g, '\n') };
}

/** Octokit calls fetch(url, init); the outside world takes a Request. */
function octokitFetch(env: Env) {
  const fetch = outboundFetch(env);
  return (input: RequestInfo | URL, init?: RequestInit) => fetch(new Request(input, init));
}

/** Octokit's bare request (no App auth), for OAuth and user-token calls: same fetch and base URL. */
export function userRequest(env: Env) {
  return request.defaults({
    baseUrl: githubApiUrl(env),
    headers: { 'user-agent': 'chittyconnect' },
    request: { fetch: octokitFetch(env) },
  });
}

/**
 * A client authenticated as the App (JWT) or, given an installation id, as that installation
 * (its token fetched and cached on first use).
 */
export function githubClient(env: Env, installationId?: number): GitHubClient {
  const { githubRetryUnitMs: unitMs, githubWriteSpacingMs: writeSpacing } = config(env);
  /** Wait inside the call when GitHub asks for a short pause; otherwise fail it, and the queue retries later. */
  const decide =
    (kind: string) => (retryAfter: number, options: { method?: string; url?: string }, _octokit: unknown, retryCount: number) => {
      if (retryAfter <= MAX_INLINE_WAIT_SECONDS && retryCount < MAX_INLINE_RETRIES) return true;
      consoleLogger.log('warn', `github.${kind}`, { retryAfter, method: options.method, url: options.url });
      return false;
    };
  const octokit = new GitHubOctokit({
    baseUrl: githubApiUrl(env),
    userAgent: 'chittyconnect',
    request: { fetch: octokitFetch(env) },
    authStrategy: createAppAuth,
    auth: { ...appCredentials(env), ...(installationId === undefined ? {} : { installationId }), cache: tokenCache(env) },
    retry: { retryAfterBaseValue: unitMs, retries: 3 },
    throttle: {
      id: `installation-${installationId ?? 'app'}`,
      retryAfterBaseValue: unitMs,
      // Writes 1 s apart and writes that notify people (new comments) 3 s apart: plugin-throttling's defaults, GitHub's guidance.
      write: spaced(writeSpacing),
      notifications: spaced(writeSpacing * 3),
      onRateLimit: decide('rate_limited'),
      onSecondaryRateLimit: decide('secondary_rate_limited'),
    },
  });
  if (installationId !== undefined) {
    // A cached token GitHub no longer accepts (revoked, the App reinstalled): fetch a fresh one and try once more.
    octokit.hook.error('request', async (error, options) => {
      const retried = (options.request as { tokenRefreshed?: boolean } | undefined)?.tokenRefreshed;
      if (!(error instanceof RequestError) || error.status !== 401 || retried) throw error;
      await octokit.auth({ type: 'installation', installationId, refresh: true });
      return octokit.request({ ...options, request: { ...options.request, tokenRefreshed: true } });
    });
  }
  return octokit;
}

/**
 * How long the queue should wait before retrying after this GitHub error, when it is a rate
 * limit (403/429 with Retry-After or an exhausted x-ratelimit-remaining); null otherwise.
 */
export function rateLimitWait(err: unknown, now = Date.now()): number | null {
  if (!(err instanceof RequestError) || (err.status !== 403 && err.status !== 429)) return null;
  const headers = err.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter;
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(reset)) return Math.max(1, Math.ceil(reset - now / 1000) + 1);
  }
  return /rate limit/i.test(err.message) ? 60 : null;
}

/** A GitHub error as one line for logs and `lastError`: status, method and path, GitHub's message. No headers (they hold tokens). */
export function describeGitHubError(err: unknown): string {
  if (!(err instanceof RequestError)) return err instanceof Error ? err.message : String(err);
  const path = new URL(err.request.url, 'https://api.github.com').pathname;
  const data = err.response?.data;
  const message = typeof data === 'object' && data !== null && 'message' in data ? String(data.message) : err.message;
  return `GitHub answered ${err.status} to ${err.request.method} ${path}: ${message}`.slice(0, 500);
}
