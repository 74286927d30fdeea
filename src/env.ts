/**
 * The Worker's environment: bindings, vars and secrets, as declared in wrangler.toml and
 * `.dev.vars`. Secrets are optional in the type because a missing one must degrade a feature,
 * not crash the isolate; code that needs one checks for it and says which is missing.
 */

export interface Env {
  // KV
  CHITTYCONNECT_KV: KVNamespace;
  TOKEN_KV: KVNamespace;
  API_KEYS: KVNamespace;
  RATE_LIMIT: KVNamespace;
  IDEMP_KV: KVNamespace;
  /** The MCP OAuth authorization server's grants, tokens, clients (hashed) and sign-in sessions. */
  OAUTH_KV: KVNamespace;
  // D1
  DB: D1Database;
  // Queues
  CONTEXT_OPS_QUEUE: Queue<unknown>;
  EVENT_Q: Queue<unknown>;
  // Workers AI: bound in deployed environments only; every feature works without it.
  AI?: Ai;
  /** Workers Analytics Engine dataset for request, queue and outbound metrics (deployed only; src/lib/metrics.ts). */
  METRICS?: AnalyticsEngineDataset;
  // Durable Objects
  PRINCIPAL_GATE: DurableObjectNamespace<import('./auth/principal-gate').PrincipalGate>;
  // Locally (npm start, tests) the outside world is this service binding to the emulator.
  ECOSYSTEM?: Fetcher;

  // Vars: read them through `config(env)` (src/config.ts: parsed once, with defaults and bounds), not here.
  ENVIRONMENT: string;
  SERVICE_NAME: string;
  SERVICE_URL: string;
  /** Set by `npm start` (`--var INSTANCE_ID:<random>`) and echoed by /health, so the script knows the server that answers is its own. */
  INSTANCE_ID?: string;
  /** How long a circuit breaker stays open before a trial call, in seconds (default 30). */
  ECOSYSTEM_BREAKER_OPEN_SECONDS?: string;
  /** Seconds before the sweep re-sends an event that was queued but not delivered (default 600). */
  OUTBOX_RESEND_AFTER_SECONDS?: string;
  /** Base of the queue consumers' retry backoff, in seconds (default 5). */
  QUEUE_RETRY_BASE_SECONDS?: string;
  /** JSON overrides of the per-minute rate-limit budgets, e.g. {"ai": 100}. */
  RATE_LIMIT_TIERS?: string;
  /** `on`|`off`: resolve an http connection's host over DoH and refuse private answers (default: off only when ENVIRONMENT is development). */
  CONNECTIONS_RESOLVE_HOSTS?: string;
  /** The DNS-over-HTTPS JSON endpoint for that check (default https://cloudflare-dns.com/dns-query). */
  CONNECTIONS_DOH_URL?: string;

  /** GitHub's REST API base URL (default https://api.github.com; GitHub Enterprise: https://HOST/api/v3). */
  GITHUB_API_URL?: string;
  /** Unit of the GitHub client's retry backoff, in ms (default 1000; retries wait 1, 4, 9 units). */
  GITHUB_RETRY_UNIT_MS?: string;
  /** Minimum spacing of write calls per installation, in ms (default 1000, GitHub's guidance). */
  GITHUB_WRITE_SPACING_MS?: string;
  /** How far back the recovery cron looks in the App's delivery log, in hours (default 6). */
  GITHUB_RECOVERY_HOURS?: string;
  /** The App's public page (https://github.com/apps/<slug>), for the install link and pages. */
  GITHUB_APP_URL?: string;
  /** The ChittyID of the actor that owns each installed repository's context (unset: no repository contexts). */
  GITHUB_CONTEXT_OWNER?: string;
  /** ChittyAuth's browser sign-in page (default https://auth.chitty.cc/v1/login). */
  CHITTY_AUTH_LOGIN_URL?: string;

  // Per-service base URL overrides (skip discovery for that service), e.g. https://id.chitty.cc
  CHITTY_ID_URL?: string;
  CHITTY_AUTH_URL?: string;
  CHITTY_REGISTRY_URL?: string;
  CHITTY_DNA_URL?: string;
  CHITTY_VERIFY_URL?: string;
  CHITTY_CERTIFY_URL?: string;
  CHITTY_CHRONICLE_URL?: string;

  // Secrets: ChittyOS service tokens
  CHITTY_ID_SERVICE_TOKEN?: string;
  CHITTY_AUTH_SERVICE_TOKEN?: string;
  CHITTY_REGISTRY_TOKEN?: string;
  CHITTY_DNA_TOKEN?: string;
  CHITTY_CHRONICLE_TOKEN?: string;
  CHITTY_VERIFY_TOKEN?: string;
  CHITTY_CERTIFY_TOKEN?: string;
  // Secrets: GitHub App
  GITHUB_APP_ID?: string;
  GITHUB_APP_PRIVATE_KEY?: string;
  GITHUB_WEBHOOK_SECRET?: string;
  /** The previous webhook secret, accepted too while a rotation is under way. */
  GITHUB_WEBHOOK_SECRET_PREVIOUS?: string;
  GITHUB_CLIENT_ID?: string;
  GITHUB_CLIENT_SECRET?: string;
  // Secrets: our own keys
  DELEGATION_SIGNING_KEY?: string;
  CREDENTIALS_ENCRYPTION_KEY?: string;
  CREDENTIALS_PREVIOUS_KEYS?: string; // JSON array of older {kid, key} credential keys, kept while values are re-encrypted
  /** JSON array of previous delegation public keys (JWK), kept until their tokens expire. */
  DELEGATION_PREVIOUS_KEYS?: string;
}
