/**
 * Registering an installation in ChittyOS and D1, shared by the setup callback and the
 * `installation` webhook (whichever comes first; the other finds everything in place): a CONTEXT
 * ChittyID minted with the idempotency key `gh-installation:<id>`, its DNA initialised, the
 * `installations` row upserted. What the caller does not know (a `suspend` delivery carries no
 * repositories) is left out and never overwrites what is stored.
 */
import type { EcosystemClient } from '../../ecosystem/client';
import type { Env } from '../../env';
import { upsertInstallation } from '../store/installations';

export interface GitHubAccount {
  id: number;
  login: string;
  type: 'User' | 'Organization';
  avatar_url?: string | null | undefined;
}

export interface GitHubInstallation {
  id: number;
  account: GitHubAccount;
  repository_selection: 'all' | 'selected';
  permissions: Record<string, unknown>;
  events: string[];
}

/** An installation as far as a caller knows it: an absent field keeps its stored value. */
export type InstallationFacts = Pick<GitHubInstallation, 'id'> & Partial<Omit<GitHubInstallation, 'id'>>;

/**
 * Registers or refreshes an installation. `repositories` undefined means "not known here" (kept);
 * a new installation needs its `account` (the row cannot exist without one). `now` is the
 * caller's clock (an event handler passes its context's).
 */
export async function registerInstallation(
  env: Env,
  client: EcosystemClient,
  inst: InstallationFacts,
  repositories: { id: number; full_name: string }[] | undefined,
  alsoInBatch: (db: D1Database, at: string) => D1PreparedStatement[] = () => [],
  now: Date = new Date(),
): Promise<{ chittyId: string; dnaId: string }> {
  const account = inst.account ? { account: inst.account.login } : {};
  const { chittyId } = await client.id.mint('CONTEXT', { githubInstallation: inst.id, ...account }, `gh-installation:${inst.id}`);
  const { dnaId } = await client.dna.initialize(chittyId, 'github.installation', account);
  const at = now.toISOString();
  const db = env.DB;
  await db.batch([
    upsertInstallation(
      db,
      {
        installationId: inst.id,
        chittyId,
        dnaId,
        account: inst.account
          ? { id: inst.account.id, login: inst.account.login, type: inst.account.type, avatarUrl: inst.account.avatar_url ?? null }
          : undefined,
        repositorySelection: inst.repository_selection,
        permissions: inst.permissions,
        events: inst.events,
        repositories: repositories?.map((r) => ({ id: r.id, fullName: r.full_name })),
      },
      at,
    ),
    ...alsoInBatch(db, at),
  ]);
  return { chittyId, dnaId };
}
