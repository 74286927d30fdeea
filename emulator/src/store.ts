/**
 * Emulator storage. Every emulated service keeps its state in one local D1 database (`EMU_DB`).
 * This module owns the schema (created lazily with `CREATE TABLE IF NOT EXISTS` in a single
 * batch, guarded by a module-level promise so it runs once per isolate), the readiness hook that
 * also seeds (the dev actor, the GitHub installation), the small crypto/random helpers the
 * services share, and a read-only state dump for debugging. If the tables vanish under us (vitest-pool-workers may roll storage
 * back between tests while this isolate lives on), `invalidateReady` lets the caller redo it.
 */

export interface EmulatorEnv {
  EMU_DB: D1Database;
  /** Bearer token of the seeded "Local Developer" actor; written to emulator/.dev.vars by `npm start`. */
  DEV_TOKEN?: string;
  /** The GitHub App's public key (SPKI PEM); App JWTs are verified with it. Without it every JWT is refused. */
  GITHUB_APP_PUBLIC_KEY?: string;
  /** The App's id; an App JWT's `iss` must equal it (as a number or a string). Default "100001". */
  GITHUB_APP_ID?: string;
  /** Signs the webhook deliveries the emulated GitHub sends or shows (`X-Hub-Signature-256`). */
  GITHUB_WEBHOOK_SECRET?: string;
  /** When set, the OAuth code exchange demands this client id / secret. */
  GITHUB_CLIENT_ID?: string;
  GITHUB_CLIENT_SECRET?: string;
  /** The App's setup URL, where the install page sends the person back; default the path `/integrations/github/callback`. */
  GITHUB_APP_SETUP_URL?: string;
  /** The main worker (`chittyconnect`), where redeliveries are sent. Present under `npm start` only. */
  WEBHOOK_TARGET?: Fetcher;
  /**
   * Each ChittyOS service's one accepted bearer token (tokens.ts), the main worker's values.
   * A service whose token is unset refuses every call but `/health`.
   */
  CHITTY_ID_SERVICE_TOKEN?: string;
  CHITTY_AUTH_SERVICE_TOKEN?: string;
  CHITTY_REGISTRY_TOKEN?: string;
  CHITTY_DNA_TOKEN?: string;
  CHITTY_VERIFY_TOKEN?: string;
  CHITTY_CERTIFY_TOKEN?: string;
  CHITTY_CHRONICLE_TOKEN?: string;
}

const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS chitty_ids (
     chitty_id TEXT PRIMARY KEY, type TEXT NOT NULL, metadata TEXT NOT NULL, issued_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS idempotency_keys (
     scope TEXT NOT NULL, key TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL,
     PRIMARY KEY (scope, key))`,
  `CREATE TABLE IF NOT EXISTS actors (
     chitty_id TEXT PRIMARY KEY, type TEXT NOT NULL, capabilities TEXT NOT NULL,
     display_name TEXT NOT NULL, email TEXT, created_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS credentials (
     hash TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('token', 'api_key')), key_id TEXT UNIQUE,
     chitty_id TEXT NOT NULL, scopes TEXT NOT NULL DEFAULT '[]', name TEXT, created_at TEXT NOT NULL,
     revoked_at TEXT)`,
  `CREATE INDEX IF NOT EXISTS credentials_by_owner ON credentials (chitty_id)`,
  // One-time codes of ChittyAuth's browser sign-in (services/auth-login.ts), by the code's SHA-256.
  `CREATE TABLE IF NOT EXISTS login_codes (
     hash TEXT PRIMARY KEY, chitty_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, created_at TEXT NOT NULL, used_at TEXT)`,
  `CREATE TABLE IF NOT EXISTS services (
     name TEXT PRIMARY KEY, service_id TEXT NOT NULL, url TEXT NOT NULL, chitty_id TEXT, version TEXT,
     capabilities TEXT NOT NULL, registered_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dna (
     entity_id TEXT PRIMARY KEY, dna_id TEXT NOT NULL UNIQUE, entity_type TEXT NOT NULL, genesis TEXT,
     generation INTEGER NOT NULL, created_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dna_events (
     entity_id TEXT NOT NULL, generation INTEGER NOT NULL, type TEXT NOT NULL, data TEXT, event_id TEXT,
     at TEXT NOT NULL, PRIMARY KEY (entity_id, generation), UNIQUE (entity_id, event_id))`,
  `CREATE TABLE IF NOT EXISTS verifications (
     verification_id TEXT PRIMARY KEY, chitty_id TEXT NOT NULL, dna_id TEXT, verified INTEGER NOT NULL,
     checks TEXT NOT NULL, at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS certificates (
     certificate_id TEXT PRIMARY KEY, chitty_id TEXT NOT NULL, compliance TEXT NOT NULL,
     issued_at TEXT NOT NULL, expires_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, event_type TEXT NOT NULL,
     entity_id TEXT NOT NULL, data TEXT, timestamp TEXT NOT NULL, logged_at TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS events_by_entity ON events (entity_id, timestamp)`,
  // GitHub (services/github-*.ts). Repository keys (`repo`) are lower-cased `owner/name`.
  `CREATE TABLE IF NOT EXISTS gh_installations (
     id INTEGER PRIMARY KEY, account_login TEXT NOT NULL, account_id INTEGER NOT NULL, account_type TEXT NOT NULL,
     repository_selection TEXT NOT NULL, permissions TEXT NOT NULL, events TEXT NOT NULL, created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL, suspended_at TEXT, deleted_at TEXT)`,
  `CREATE TABLE IF NOT EXISTS gh_repositories (
     installation_id INTEGER NOT NULL, repo TEXT NOT NULL, id INTEGER NOT NULL, full_name TEXT NOT NULL,
     PRIMARY KEY (installation_id, repo))`,
  `CREATE TABLE IF NOT EXISTS gh_tokens (
     hash TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('installation', 'user')), installation_id INTEGER,
     login TEXT, installation_ids TEXT, expires_at TEXT NOT NULL, created_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS gh_oauth_codes (
     hash TEXT PRIMARY KEY, login TEXT NOT NULL, installation_ids TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT)`,
  `CREATE TABLE IF NOT EXISTS gh_pull_files (repo TEXT NOT NULL, number INTEGER NOT NULL, files TEXT NOT NULL, PRIMARY KEY (repo, number))`,
  `CREATE TABLE IF NOT EXISTS gh_comments (
     id INTEGER PRIMARY KEY AUTOINCREMENT, repo TEXT NOT NULL, full_name TEXT NOT NULL, issue_number INTEGER NOT NULL,
     body TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, edits INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX IF NOT EXISTS gh_comments_by_issue ON gh_comments (repo, issue_number)`,
  `CREATE TABLE IF NOT EXISTS gh_labels (
     repo TEXT NOT NULL, full_name TEXT NOT NULL, issue_number INTEGER NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL,
     PRIMARY KEY (repo, issue_number, name))`,
  `CREATE TABLE IF NOT EXISTS gh_check_runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT, repo TEXT NOT NULL, full_name TEXT NOT NULL, name TEXT NOT NULL,
     head_sha TEXT NOT NULL, status TEXT NOT NULL, conclusion TEXT, output TEXT NOT NULL, details_url TEXT,
     external_id TEXT, started_at TEXT NOT NULL, completed_at TEXT, updated_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS gh_hook_deliveries (
     id INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT NOT NULL, delivered_at TEXT NOT NULL, redelivery INTEGER NOT NULL,
     duration REAL NOT NULL, status TEXT NOT NULL, status_code INTEGER NOT NULL, event TEXT NOT NULL, action TEXT,
     installation_id INTEGER, repository_id INTEGER, payload TEXT NOT NULL, response_headers TEXT NOT NULL,
     response_body TEXT)`,
  `CREATE INDEX IF NOT EXISTS gh_hook_deliveries_by_guid ON gh_hook_deliveries (guid)`,
];

let ready: Promise<void> | null = null;

/**
 * Creates the schema (once per isolate) and then runs `seed` (e.g. the dev actor). A failure
 * clears the memo so the next request tries again.
 */
export function ensureReady(env: EmulatorEnv, seed: (env: EmulatorEnv) => Promise<void>): Promise<void> {
  if (!ready) {
    const db = env.EMU_DB;
    ready = db
      .batch(SCHEMA.map((sql) => db.prepare(sql)))
      .then(() => seed(env))
      .catch((err: unknown) => {
        ready = null;
        throw err;
      });
  }
  return ready;
}

/** Forgets that the schema exists, so the next `ensureReady` recreates it. */
export function invalidateReady(): void {
  ready = null;
}

/** True for D1's "no such table" error (storage was reset behind this isolate's back). */
export function isMissingTable(err: unknown): boolean {
  return err instanceof Error && /no such table/i.test(err.message);
}

export function nowIso(): string {
  return new Date().toISOString();
}

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function randomHex(bytes: number): string {
  return Array.from(randomBytes(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function randomBase64url(bytes: number): string {
  let binary = '';
  for (const b of randomBytes(bytes)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Serialises a value for a JSON text column (`undefined` becomes SQL NULL). */
export function toJsonColumn(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Reads a JSON text column back; NULL (or unparseable text) becomes `fallback`. */
export function fromJsonColumn<T>(text: string | null | undefined, fallback: T): unknown {
  if (text === null || text === undefined) return fallback;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

/** A JSON column known to hold a string array (capabilities, scopes, compliance). */
export function stringArrayColumn(text: string | null | undefined): string[] {
  const value = fromJsonColumn(text, []);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const STATE_TABLES: Readonly<Record<string, readonly string[]>> = {
  id: ['counters', 'chitty_ids', 'idempotency_keys'],
  auth: ['actors', 'credentials', 'login_codes'],
  registry: ['services'],
  dna: ['dna', 'dna_events'],
  verify: ['verifications'],
  certify: ['certificates'],
  chronicle: ['events'],
  github: [
    'gh_installations',
    'gh_repositories',
    'gh_tokens',
    'gh_oauth_codes',
    'gh_pull_files',
    'gh_comments',
    'gh_labels',
    'gh_check_runs',
    'gh_hook_deliveries',
    'gh_contents',
    'gh_check_annotations',
    'gh_repo_labels',
    'gh_label_sets',
    'gh_repo_seeds',
  ],
};

/** Debug dump of one service's tables (at most 1000 rows each), or null for an unknown service. */
export async function dumpState(db: D1Database, service: string): Promise<Record<string, Record<string, unknown>[]> | null> {
  if (!Object.hasOwn(STATE_TABLES, service)) return null;
  const tables = STATE_TABLES[service] ?? [];
  // Table names come from the fixed whitelist above, never from the request.
  const results = await db.batch(tables.map((t) => db.prepare(`SELECT * FROM ${t} LIMIT 1000`)));
  const dump: Record<string, Record<string, unknown>[]> = {};
  tables.forEach((t, i) => {
    dump[t] = (results[i]?.results ?? []) as Record<string, unknown>[];
  });
  return dump;
}
