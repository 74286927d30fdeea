/**
 * Connected agents: the MCP clients a person authorized through OAuth. Each is a grant of the
 * OAuth library whose props hold a delegation (oauth.ts), so listing reads the person's grants
 * with their clients, and revoking revokes the delegation (cutting the agent off at its next
 * call, with everything derived from it) and then the grant (its tokens stop at once).
 */
import type { Caller } from '../delegation/service';
import { revokeDelegation } from '../delegation/service';
import type { Env } from '../env';
import { AppError } from '../http/errors';
import { authorizationServer } from './oauth';

export interface Agent {
  grantId: string;
  clientId: string;
  /** The name the client registered, when it gave one. */
  clientName: string | null;
  clientUri: string | null;
  /** Who consented: the person's ChittyID. */
  userId: string;
  scopes: string[];
  grantedAt: string;
  /** Until when the client may renew its access without asking again (a refresh token's reach); null without a limit. */
  renewableUntil: string | null;
  delegationId: string | null;
  /** The last time one of its access tokens was used at /mcp (noted at most once a minute), or null. */
  lastUsedAt: string | null;
}

const USED_PREFIX = 'agent-used:';
const USE_NOTE_SECONDS = 60;
const USE_KEEP_SECONDS = 30 * 86_400;
const noted = new Map<string, number>();

/** Notes that the agent behind `delegationId` made a call now (at most one KV write a minute per agent and isolate). */
export function noteAgentUse(env: Env, delegationId: string, waitUntil: (p: Promise<unknown>) => void): void {
  const now = Date.now();
  const last = noted.get(delegationId);
  if (last !== undefined && now - last < USE_NOTE_SECONDS * 1000) return;
  if (noted.size > 10_000) noted.clear();
  noted.set(delegationId, now);
  waitUntil(env.OAUTH_KV.put(`${USED_PREFIX}${delegationId}`, new Date(now).toISOString(), { expirationTtl: USE_KEEP_SECONDS }));
}

const iso = (seconds: number | undefined) => (seconds === undefined ? null : new Date(seconds * 1000).toISOString());

/** Every agent `userId` authorized that still holds a grant. */
export async function agentsOf(env: Env, origin: string, catalogue: readonly string[], userId: string): Promise<Agent[]> {
  const oauth = (await authorizationServer(origin, catalogue)).getOAuthApi(env);
  const agents: Agent[] = [];
  let cursor: string | undefined;
  do {
    const page = await oauth.listUserGrants(userId, cursor ? { cursor } : {});
    for (const grant of page.items) {
      const metadata = (grant.metadata ?? {}) as { delegationId?: string; grantedAt?: string };
      const client = await oauth.lookupClient(grant.clientId).catch(() => null);
      const delegationId = typeof metadata.delegationId === 'string' ? metadata.delegationId : null;
      agents.push({
        grantId: grant.id,
        clientId: grant.clientId,
        clientName: client?.clientName ?? null,
        clientUri: client?.clientUri ?? null,
        userId: grant.userId,
        scopes: grant.scope,
        grantedAt: metadata.grantedAt ?? iso(grant.createdAt) ?? '',
        renewableUntil: iso(grant.expiresAt),
        delegationId,
        lastUsedAt: delegationId ? await env.OAUTH_KV.get(`${USED_PREFIX}${delegationId}`) : null,
      });
    }
    cursor = page.cursor;
  } while (cursor);
  return agents.sort((a, b) => b.grantedAt.localeCompare(a.grantedAt));
}

/**
 * Revokes `userId`'s grant `grantId`: its delegation (as `caller`, who must be the person or an
 * admin, as for any revoke), then the grant itself.
 */
export async function revokeAgent(
  env: Env,
  origin: string,
  catalogue: readonly string[],
  caller: Caller,
  userId: string,
  grantId: string,
): Promise<void> {
  const agent = (await agentsOf(env, origin, catalogue, userId)).find((a) => a.grantId === grantId);
  if (!agent) throw new AppError(404, 'agent_not_found', `No connected agent ${grantId} for ${userId}; list them with GET /v1/agents.`);
  if (agent.delegationId) await revokeDelegation(env, caller, agent.delegationId);
  const oauth = (await authorizationServer(origin, catalogue)).getOAuthApi(env);
  await oauth.revokeGrant(grantId, userId);
}
