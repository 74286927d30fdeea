/**
 * Registering an installation in ChittyOS and D1, shared by the setup callback and the
 * `installation` webhook (whichever comes first; the other finds everything in place): a CONTEXT
 * ChittyID minted with the idempotency key `gh-installation:<id>`, its DNA initialised, the
 * `installations` row upserted.
 */
import type { EcosystemClient } from '../ecosystem/client';
import type { Env } from '../env';
import { upsertInstallation } from './store';

export interface GitHubInstallation {
  id: number;
  account: { id: number; login: string; type: 'User' | 'Organization'; avatar_url?: string | null | undefined };
  repository_selection: 'all' | 'selected';
  permissions: Record<string, unknown>;
  events: string[];
}

export async function registerInstallation(
  env: Env,
  client: EcosystemClient,
  inst: GitHubInstallation,
  repositories: { id: number; full_name: string }[],
  alsoInBatch: (db: D1Database, at: string) => D1PreparedStatement[] = () => [],
): Promise<{ chittyId: string; dnaId: string }> {
  const { chittyId } = await client.id.mint(
    'CONTEXT',
    { githubInstallation: inst.id, account: inst.account.login },
    `gh-installation:${inst.id}`,
  );
  const { dnaId } = await client.dna.initialize(chittyId, 'github.installation', { account: inst.account.login });
  const at = new Date().toISOString();
  const db = env.DB;
  await db.batch([
    upsertInstallation(
      db,
      {
        installationId: inst.id,
        chittyId,
        dnaId,
        accountId: inst.account.id,
        accountLogin: inst.account.login,
        accountType: inst.account.type,
        accountAvatarUrl: inst.account.avatar_url ?? null,
        repositorySelection: inst.repository_selection,
        permissions: inst.permissions,
        events: inst.events,
        repositories: repositories.map((r) => ({ id: r.id, fullName: r.full_name })),
      },
      at,
    ),
    ...alsoInBatch(db, at),
  ]);
  return { chittyId, dnaId };
}
