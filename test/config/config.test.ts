/**
 * config.ts: every var parsed once with zod. Unit checks of the parser (defaults, bounds, the
 * error that names the var), and the worker's behaviour on an invalid var, through its own
 * fetch and queue handlers with a bindings override: a generic 500 for the request (the value is
 * logged, never sent) and, in a consumer, every message retried rather than processed on a guess.
 */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, config } from '../../src/config';
import type { Env } from '../../src/env';
import { registeredActor } from '../helpers/actors';
import { delivery, runEvents } from '../helpers/github';
import { direct } from '../helpers/worker';

const base = { ENVIRONMENT: 'production', SERVICE_NAME: 'chittyconnect', SERVICE_URL: 'https://connect.chitty.cc' };
const parse = (vars: Record<string, unknown>) => config({ ...base, ...vars } as unknown as Env);
const failure = (vars: Record<string, unknown>): ConfigError => {
  try {
    parse(vars);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

afterEach(() => vi.restoreAllMocks());

describe('config', () => {
  it('gives every unset or blank var its default', () => {
    const c = parse({ QUEUE_RETRY_BASE_SECONDS: '', GITHUB_API_URL: '  ' });
    expect(c).toMatchObject({
      breakerOpenSeconds: 30,
      outboxResendAfterSeconds: 600,
      queueRetryBaseSeconds: 5,
      rateLimitTiers: { human: 600, ai: 300, service: 3000, system: 10_000 },
      connectionsResolveHosts: undefined,
      connectionsDohUrl: 'https://cloudflare-dns.com/dns-query',
      githubApiUrl: 'https://api.github.com',
      githubRetryUnitMs: 1000,
      githubWriteSpacingMs: 1000,
      githubRecoveryHours: 6,
      githubAppUrl: undefined,
      urlOverrides: {},
    });
  });

  it('parses set vars: integers (also TOML numbers), tier overrides merged with the defaults, URLs without trailing slash', () => {
    const c = parse({
      QUEUE_RETRY_BASE_SECONDS: '0',
      OUTBOX_RESEND_AFTER_SECONDS: 90,
      RATE_LIMIT_TIERS: '{"ai": 25}',
      CONNECTIONS_RESOLVE_HOSTS: ' OFF ',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
      GITHUB_RECOVERY_HOURS: '1.5',
      CHITTY_ID_URL: 'https://id.t-1.test',
    });
    expect(c).toMatchObject({
      queueRetryBaseSeconds: 0,
      outboxResendAfterSeconds: 90,
      rateLimitTiers: { human: 600, ai: 25, service: 3000, system: 10_000 },
      connectionsResolveHosts: 'off',
      githubApiUrl: 'https://ghe.example.com/api/v3',
      githubRecoveryHours: 1.5,
      urlOverrides: { CHITTY_ID_URL: 'https://id.t-1.test' },
    });
  });

  it('names the var, what it must be and what it was', () => {
    expect(failure({ QUEUE_RETRY_BASE_SECONDS: 'abc' }).message).toBe('QUEUE_RETRY_BASE_SECONDS must be an integer 0–3600 (got "abc")');
    expect(failure({ GITHUB_WRITE_SPACING_MS: '-1' }).message).toBe('GITHUB_WRITE_SPACING_MS must be an integer 0–60000 (got "-1")');
    expect(failure({ ECOSYSTEM_BREAKER_OPEN_SECONDS: '1.5' }).vars).toEqual(['ECOSYSTEM_BREAKER_OPEN_SECONDS']);
    expect(failure({ GITHUB_RECOVERY_HOURS: '0' }).message).toMatch(/^GITHUB_RECOVERY_HOURS must be a number greater than 0/);
    expect(failure({ RATE_LIMIT_TIERS: '{ai: 1}' }).message).toMatch(/^RATE_LIMIT_TIERS must be JSON/);
    expect(failure({ RATE_LIMIT_TIERS: '{"robot": 5}' }).vars).toEqual(['RATE_LIMIT_TIERS']);
    expect(failure({ RATE_LIMIT_TIERS: '{"ai": 0}' }).message).toBe(
      'RATE_LIMIT_TIERS.ai must be an integer 1–1000000 (requests per minute) (got "{\\"ai\\": 0}")',
    );
    expect(failure({ CONNECTIONS_RESOLVE_HOSTS: 'yes' }).message).toBe('CONNECTIONS_RESOLVE_HOSTS must be on or off (got "yes")');
    expect(failure({ GITHUB_API_URL: 'ftp://example.com' }).vars).toEqual(['GITHUB_API_URL']);
    expect(failure({ ENVIRONMENT: '' }).vars).toEqual(['ENVIRONMENT']);
  });

  it('reports every bad var at once', () => {
    const err = failure({ QUEUE_RETRY_BASE_SECONDS: 'x', OUTBOX_RESEND_AFTER_SECONDS: '-5' });
    expect(err.vars).toEqual(['OUTBOX_RESEND_AFTER_SECONDS', 'QUEUE_RETRY_BASE_SECONDS']);
    expect(err.message).toContain('; ');
  });

  it('parses an env object once', () => {
    const vars = { ...base, QUEUE_RETRY_BASE_SECONDS: '7' } as unknown as Env;
    const first = config(vars);
    expect(config(vars)).toBe(first);
    expect(config({ ...vars } as Env)).not.toBe(first);
  });
});

describe('the worker with its vars', () => {
  it('uses a valid override of the env it is given (here: the human tier budget)', async () => {
    const actor = await registeredActor('human');
    const res = await direct('/v1/actors/me', { headers: actor.auth }, { RATE_LIMIT_TIERS: '{"human": 7}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBe('7');
  });

  it('answers an invalid var with a generic 500 and logs the var with its value once', async () => {
    const actor = await registeredActor('human');
    const logged = vi.spyOn(console, 'error');
    const res = await direct('/v1/actors/me', { headers: actor.auth }, { RATE_LIMIT_TIERS: '{"human": "lots"}' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe('internal_error');
    expect(JSON.stringify(body)).not.toContain('lots');
    const lines = logged.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('RATE_LIMIT_TIERS'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ event: 'request.failed', status: 500 });
    expect(lines[0]).toContain('ConfigError: RATE_LIMIT_TIERS.human must be an integer 1–1000000 (requests per minute) (got');
  });

  it('retries every message of a queue batch when a var the consumer needs is invalid, and logs why', async () => {
    const logged = vi.spyOn(console, 'error');
    const result = await runEvents([delivery('ping', { zen: 'x' })], 1, { QUEUE_RETRY_BASE_SECONDS: 'soon' } as Partial<Cloudflare.Env>);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toHaveLength(1);
    const lines = logged.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('queue.consumer_failed'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('QUEUE_RETRY_BASE_SECONDS must be an integer 0–3600 (got \\"soon\\")');
  });

  it('still processes that batch with the configured vars', async () => {
    const result = await runEvents([delivery('ping', { zen: 'x' })], 1, {});
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(env.QUEUE_RETRY_BASE_SECONDS).toBe('0');
  });
});
