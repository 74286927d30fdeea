/**
 * The worker's vars, parsed once per `env` object with zod: defaults, bounds, and an error that
 * names the var. Code reads `config(env).queueRetryBaseSeconds`, never `Number(env.X ?? 5)`.
 * Secrets and bindings are not here: they are read where they are used (a missing one degrades
 * that feature and says which is missing, see env.ts).
 *
 * An invalid value is an error, not a silent fallback: `config(env)` throws a `ConfigError` naming
 * every bad var, e.g. `QUEUE_RETRY_BASE_SECONDS must be an integer 0–3600 (got "abc")`. Falling
 * back to the default would keep a deploy running on settings nobody chose (a typo in
 * `GITHUB_WRITE_SPACING_MS` would quietly drop the spacing GitHub asks for), which is exactly the
 * drift we want to see. Under a request the error is the generic 500 `internal` (the values stay
 * off the wire) and the error handler logs it once with the full message; in a queue consumer it
 * fails the batch: every message is retried (queue/dispatch.ts logs `queue.consumer_failed` with
 * the message) and, after the last retry, kept as a dead letter for replay, so no message is lost
 * or handled on a guessed setting while an operator fixes the var. Parsing is lazy (at first
 * use, not at import) and all-or-nothing: every path that reads the config fails until the var
 * is fixed, including `/health` when it must build the ecosystem client, so a deploy's smoke
 * check fails at once instead of the service limping on. The ecosystem initialisation records it
 * as `init.crashed` rather than failing the request that started it.
 */
import { z } from 'zod';
import type { Env } from './env';

/** An integer var within [min, max], or its default when unset or empty. */
function int(min: number, max: number, fallback: number) {
  const message = `must be an integer ${min}–${max}`;
  return z.preprocess(
    asText,
    z
      .string()
      .regex(/^\s*-?\d+\s*$/, { error: message })
      .transform(Number)
      .pipe(z.number().min(min, { error: message }).max(max, { error: message }))
      .optional()
      .transform((n) => n ?? fallback),
  );
}

/** A decimal var within (0, max] (hours may be fractional), or its default. */
function positive(max: number, fallback: number) {
  const message = `must be a number greater than 0 and at most ${max}`;
  return z.preprocess(
    asText,
    z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*$/, { error: message })
      .transform(Number)
      .pipe(z.number().gt(0, { error: message }).max(max, { error: message }))
      .optional()
      .transform((n) => n ?? fallback),
  );
}

/** An http(s) URL without trailing slashes, or undefined (or the fallback) when unset. */
function url(fallback?: string) {
  return z.preprocess(
    blankAsUndefined,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .optional()
      .transform((u) => (u ?? fallback)?.replace(/\/+$/, '')),
  );
}

function blankAsUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/** A var as text: wrangler passes an unquoted TOML number as a number. */
function asText(value: unknown): unknown {
  return typeof value === 'number' ? String(value) : blankAsUndefined(value);
}

/** The rate-limit tiers (an actor's type; `ActorType` in http/principal.ts, not imported: config sits below http). */
const TIERS = ['human', 'ai', 'service', 'system'] as const;
type Tier = (typeof TIERS)[number];

/** Requests per minute for each tier; `RATE_LIMIT_TIERS` (JSON) overrides any of them. */
export const DEFAULT_TIERS: Record<Tier, number> = { human: 600, ai: 300, service: 3_000, system: 10_000 };

const TIER_BUDGET = 'must be an integer 1–1000000 (requests per minute)';

const tierOverrides = z.preprocess(
  blankAsUndefined,
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"ai": 100}' });
        return z.NEVER;
      }
    })
    .pipe(
      z.strictObject(
        Object.fromEntries(
          TIERS.map((t) => [
            t,
            z.int({ error: TIER_BUDGET }).min(1, { error: TIER_BUDGET }).max(1_000_000, { error: TIER_BUDGET }).optional(),
          ]),
        ) as Record<Tier, z.ZodOptional<z.ZodInt>>,
        {
          error: `must be a JSON object of per-minute budgets (positive integers) for ${TIERS.join(', ')}`,
        },
      ),
    )
    .optional()
    .transform(
      (o): Record<Tier, number> => ({
        ...DEFAULT_TIERS,
        ...Object.fromEntries(Object.entries(o ?? {}).filter(([, n]) => n !== undefined)),
      }),
    ),
);

/** A ChittyID as the vars carry it (its parts are checked by the ID service, not here: config sits below ecosystem/). */
const chittyIdVar = z.preprocess(
  asText,
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]+(-[A-Za-z0-9]+){3,}$/, { error: 'must be a ChittyID (VV-G-LLL-SSSS-T-YM-C-X)' })
    .optional(),
);

const onOff = z.preprocess(
  (v) => (typeof v === 'string' ? blankAsUndefined(v.trim().toLowerCase()) : v),
  z.enum(['on', 'off'], { error: 'must be on or off' }).optional(),
);

const vars = z.object({
  ENVIRONMENT: z.string().min(1, { error: 'must be set (development, staging or production)' }),
  SERVICE_NAME: z.string().min(1, { error: 'must be set' }),
  SERVICE_URL: url(),
  ECOSYSTEM_BREAKER_OPEN_SECONDS: int(1, 3600, 30),
  OUTBOX_RESEND_AFTER_SECONDS: int(0, 86_400, 600),
  QUEUE_RETRY_BASE_SECONDS: int(0, 3600, 5),
  RATE_LIMIT_TIERS: tierOverrides,
  CONNECTIONS_RESOLVE_HOSTS: onOff,
  CONNECTIONS_DOH_URL: url('https://cloudflare-dns.com/dns-query'),
  GITHUB_API_URL: url('https://api.github.com'),
  GITHUB_RETRY_UNIT_MS: int(0, 60_000, 1000),
  GITHUB_WRITE_SPACING_MS: int(0, 60_000, 1000),
  GITHUB_RECOVERY_HOURS: positive(72, 6),
  GITHUB_APP_URL: url(),
  GITHUB_CONTEXT_OWNER: chittyIdVar,
  CHITTY_AUTH_LOGIN_URL: url('https://auth.chitty.cc/v1/login'),
  CHITTY_ID_URL: url(),
  CHITTY_AUTH_URL: url(),
  CHITTY_REGISTRY_URL: url(),
  CHITTY_DNA_URL: url(),
  CHITTY_VERIFY_URL: url(),
  CHITTY_CERTIFY_URL: url(),
  CHITTY_CHRONICLE_URL: url(),
});

const URL_VARS = [
  'CHITTY_ID_URL',
  'CHITTY_AUTH_URL',
  'CHITTY_REGISTRY_URL',
  'CHITTY_DNA_URL',
  'CHITTY_VERIFY_URL',
  'CHITTY_CERTIFY_URL',
  'CHITTY_CHRONICLE_URL',
] as const;

const schema = vars.transform((v) => ({
  environment: v.ENVIRONMENT,
  serviceName: v.SERVICE_NAME,
  serviceUrl: v.SERVICE_URL,
  /** How long a circuit breaker stays open before a trial call. */
  breakerOpenSeconds: v.ECOSYSTEM_BREAKER_OPEN_SECONDS,
  /** Age after which the sweep re-sends an undelivered outbox event. */
  outboxResendAfterSeconds: v.OUTBOX_RESEND_AFTER_SECONDS,
  /** Base of both queue consumers' retry backoff (queue/backoff.ts). */
  queueRetryBaseSeconds: v.QUEUE_RETRY_BASE_SECONDS,
  /** Per-minute budget of each tier, defaults merged with the overrides. */
  rateLimitTiers: v.RATE_LIMIT_TIERS,
  /** `on`/`off` as set, or undefined (then: off only in development). */
  connectionsResolveHosts: v.CONNECTIONS_RESOLVE_HOSTS,
  connectionsDohUrl: v.CONNECTIONS_DOH_URL as string,
  githubApiUrl: v.GITHUB_API_URL as string,
  githubRetryUnitMs: v.GITHUB_RETRY_UNIT_MS,
  githubWriteSpacingMs: v.GITHUB_WRITE_SPACING_MS,
  githubRecoveryHours: v.GITHUB_RECOVERY_HOURS,
  githubAppUrl: v.GITHUB_APP_URL,
  /** ChittyAuth's browser sign-in page (a loopback URL is taken on the request's own origin). */
  chittyAuthLoginUrl: v.CHITTY_AUTH_LOGIN_URL as string,
  /** The actor that owns installed repositories' contexts; unset: no repository contexts. */
  githubContextOwner: v.GITHUB_CONTEXT_OWNER,
  /** Per-service base URLs that skip discovery, by var name (`CHITTY_ID_URL` …), only those set. */
  urlOverrides: Object.fromEntries(URL_VARS.flatMap((name) => (v[name] ? [[name, v[name]]] : []))) as Partial<Record<string, string>>,
}));

/** One or more vars are invalid; the message names each with what it must be and what it was. */
export class ConfigError extends Error {
  constructor(
    readonly vars: string[],
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Config = z.output<typeof schema>;

const cache = new WeakMap<Env, Config>();

/** The parsed vars of `env` (parsed on first use, then cached for that env object). Throws ConfigError. */
export function config(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      const name = String(i.path[0] ?? '?');
      const got = (env as unknown as Record<string, unknown>)[name];
      // A JSON var's inner field is named with its path: `RATE_LIMIT_TIERS.human must be …`.
      return { name, text: `${i.path.join('.')} ${i.message} (got ${JSON.stringify(got)})` };
    });
    throw new ConfigError([...new Set(problems.map((p) => p.name))], problems.map((p) => p.text).join('; '));
  }
  cache.set(env, result.data);
  return result.data;
}
