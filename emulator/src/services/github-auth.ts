/**
 * Credentials of the emulated GitHub API. `Authorization: Bearer <jwt>` is an App JWT (RS256,
 * verified with GITHUB_APP_PUBLIC_KEY; `iss` = GITHUB_APP_ID as number or string; `exp` in the
 * future and at most 10 minutes after `iat`; `iat` at most 60 s ahead). `token ghs_…` / `Bearer
 * ghs_…` is an installation token and `ghu_…` a user token, both issued here (stored as SHA-256
 * hashes) and valid for one hour / eight hours. Failures are GitHub's 401 messages.
 */
import { compactVerify, importSPKI } from 'jose';
import { type EmulatorEnv, sha256Hex } from '../store';
import { GitHubError } from './github-http';
import { findToken, getInstallation, type Installation, storeToken } from './github-store';

export const DEFAULT_APP_ID = '100001';
const INSTALLATION_TOKEN_SECONDS = 3600;
const USER_TOKEN_SECONDS = 8 * 3600;
const MAX_JWT_LIFETIME_SECONDS = 600;
const IAT_SKEW_SECONDS = 60;

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'app'; appId: string }
  | { kind: 'installation'; installation: Installation }
  | { kind: 'user'; login: string; installationIds: number[] };

const unauthorized = (message: string) => new GitHubError(401, message);
const badCredentials = () => unauthorized('Bad credentials');

export function appIdOf(env: EmulatorEnv): string {
  return env.GITHUB_APP_ID?.trim() || DEFAULT_APP_ID;
}

const keys = new Map<string, Promise<CryptoKey>>();

function publicKey(pem: string): Promise<CryptoKey> {
  let key = keys.get(pem);
  if (!key) {
    // .dev.vars may carry the PEM with literal "\n" sequences.
    key = importSPKI(pem.replace(/\\n/g, '\n').trim(), 'RS256');
    key.catch(() => keys.delete(pem));
    keys.set(pem, key);
  }
  return key;
}

/** Verifies an App JWT like GitHub does; throws a 401 GitHubError naming what is wrong. */
export async function verifyAppJwt(env: EmulatorEnv, jwt: string, now = Date.now()): Promise<string> {
  const pem = env.GITHUB_APP_PUBLIC_KEY;
  if (!pem?.trim()) {
    throw unauthorized('A JSON web token could not be decoded: the emulator has no GITHUB_APP_PUBLIC_KEY to verify App JWTs with');
  }
  let key: CryptoKey;
  try {
    key = await publicKey(pem);
  } catch {
    throw unauthorized('A JSON web token could not be decoded: GITHUB_APP_PUBLIC_KEY is not an SPKI PEM RSA public key');
  }
  let claims: Record<string, unknown>;
  try {
    const { payload } = await compactVerify(jwt, key, { algorithms: ['RS256'] });
    const parsed: unknown = JSON.parse(new TextDecoder().decode(payload));
    if (typeof parsed !== 'object' || parsed === null) throw new Error('claims are not an object');
    claims = parsed as Record<string, unknown>;
  } catch {
    throw unauthorized('A JSON web token could not be decoded');
  }
  const seconds = Math.floor(now / 1000);
  const { iat, exp, iss } = claims;
  if (typeof iat !== 'number' || iat > seconds + IAT_SKEW_SECONDS) {
    throw unauthorized("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
  }
  if (typeof exp !== 'number' || exp <= seconds) {
    throw unauthorized(
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    );
  }
  if (exp - iat > MAX_JWT_LIFETIME_SECONDS) throw unauthorized("'Expiration time' claim ('exp') is too far in the future");
  const appId = appIdOf(env);
  if ((typeof iss !== 'number' && typeof iss !== 'string') || String(iss) !== appId) {
    throw unauthorized(`'Issuer' claim ('iss') must be this App's id (${appId}); it was ${JSON.stringify(iss ?? null)}`);
  }
  return appId;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A GitHub-looking token: `prefix` + 36 alphanumerics. */
function newToken(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(36));
  return prefix + Array.from(bytes, (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

export async function issueInstallationToken(
  db: D1Database,
  installationId: number,
  now = Date.now(),
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken('ghs_');
  const expiresAt = new Date(now + INSTALLATION_TOKEN_SECONDS * 1000);
  await storeToken(db, await sha256Hex(token), {
    kind: 'installation',
    installationId,
    login: null,
    installationIds: [],
    expiresAt: expiresAt.toISOString(),
  });
  return { token, expiresAt };
}

export async function issueUserToken(db: D1Database, login: string, installationIds: number[], now = Date.now()): Promise<string> {
  const token = newToken('ghu_');
  const expiresAt = new Date(now + USER_TOKEN_SECONDS * 1000).toISOString();
  await storeToken(db, await sha256Hex(token), { kind: 'user', installationId: null, login, installationIds, expiresAt });
  return token;
}

async function tokenPrincipal(db: D1Database, token: string): Promise<Principal> {
  const record = await findToken(db, await sha256Hex(token));
  if (!record || Date.parse(record.expiresAt) <= Date.now()) throw badCredentials();
  if (record.kind === 'user') return { kind: 'user', login: record.login ?? 'unknown', installationIds: record.installationIds };
  const installation = record.installationId === null ? null : await getInstallation(db, record.installationId);
  if (!installation || installation.deletedAt !== null || installation.suspendedAt !== null) throw badCredentials();
  return { kind: 'installation', installation };
}

/** Who is calling, from the Authorization header; throws 401 for credentials GitHub would reject. */
export async function authenticate(env: EmulatorEnv, header: string | undefined): Promise<Principal> {
  if (!header?.trim()) return { kind: 'anonymous' };
  const match = /^(bearer|token)\s+(\S+)\s*$/i.exec(header.trim());
  const credential = match?.[2];
  if (!credential) throw badCredentials();
  if (/^gh[su]_/.test(credential)) return tokenPrincipal(env.EMU_DB, credential);
  if (match[1]?.toLowerCase() === 'bearer' && credential.split('.').length === 3) {
    return { kind: 'app', appId: await verifyAppJwt(env, credential) };
  }
  throw badCredentials();
}

/** The rate-limit bucket of a principal. */
export function rateLimitKey(principal: Principal | null): string {
  switch (principal?.kind) {
    case 'app':
      return `app:${principal.appId}`;
    case 'installation':
      return `installation:${principal.installation.id}`;
    case 'user':
      return `user:${principal.login}`;
    default:
      return 'anonymous';
  }
}

const forbidden = () => new GitHubError(403, 'Resource not accessible by integration');

/** App endpoints (`/app/…`) need an App JWT. */
export function requireApp(principal: Principal): { kind: 'app'; appId: string } {
  if (principal.kind === 'app') return principal;
  throw unauthorized('A JSON web token could not be decoded');
}

/** Installation endpoints need an installation token. */
export function requireInstallation(principal: Principal): Installation {
  if (principal.kind === 'installation') return principal.installation;
  throw principal.kind === 'anonymous' ? unauthorized('Requires authentication') : forbidden();
}

/** User endpoints need a user token (from the OAuth exchange). */
export function requireUser(principal: Principal): { login: string; installationIds: number[] } {
  if (principal.kind === 'user') return principal;
  throw principal.kind === 'anonymous' ? unauthorized('Requires authentication') : forbidden();
}

/** 403 unless the installation was granted `permission` at `level` (write includes read). */
export function requirePermission(installation: Installation, permission: string, level: 'read' | 'write'): void {
  const granted = installation.permissions[permission];
  if (granted === 'write' || granted === 'admin' || (level === 'read' && granted === 'read')) return;
  throw forbidden();
}
