/**
 * What each GitHub event means in ChittyOS. Every step is idempotent, so a delivery processed
 * twice (a retry after a partial failure) changes nothing twice: ChittyIDs are minted with an
 * idempotency key derived from the GitHub object, DNA evolves and Chronicle logs by event id.
 *   push               each commit: an EVNT ChittyID and a Chronicle entry
 *   pull_request       the PR: an INFO ChittyID, DNA initialised then evolved per action, Chronicle
 *   issues             the issue: an INFO ChittyID, DNA initialised then evolved per action, Chronicle
 *   installation(_repositories)  the `installations` row kept current, DNA, Chronicle
 */
import { z } from 'zod';
import type { EcosystemClient } from '../../ecosystem/client';
import type { Env } from '../../env';
import { installationRepositories, setInstallationRepositories, setInstallationState, upsertInstallation } from '../store';

export interface EventContext {
  env: Env;
  client: EcosystemClient;
  deliveryId: string;
  action: string | null;
  payload: unknown;
}

const repository = z.object({ id: z.number(), full_name: z.string() }).passthrough();
const account = z
  .object({ id: z.number(), login: z.string(), type: z.enum(['User', 'Organization']).catch('User'), avatar_url: z.string().nullish() })
  .passthrough();

const pushPayload = z.object({
  ref: z.string(),
  repository,
  commits: z.array(
    z
      .object({
        id: z.string(),
        message: z.string(),
        timestamp: z.string().optional(),
        author: z.object({ name: z.string() }).passthrough().optional(),
      })
      .passthrough(),
  ),
});

const numbered = (key: 'pull_request' | 'issue') =>
  z.object({ repository, [key]: z.object({ id: z.number(), number: z.number(), title: z.string(), state: z.string() }).passthrough() });

const installationPayload = z.object({
  installation: z
    .object({
      id: z.number(),
      account,
      repository_selection: z.enum(['all', 'selected']).catch('all'),
      permissions: z.record(z.string(), z.unknown()).default({}),
      events: z.array(z.string()).default([]),
    })
    .passthrough(),
  repositories: z.array(z.object({ id: z.number(), full_name: z.string() }).passthrough()).default([]),
  sender: z.object({ login: z.string() }).passthrough().optional(),
});

const repositoriesPayload = z.object({
  installation: z.object({ id: z.number() }).passthrough(),
  repositories_added: z.array(z.object({ id: z.number(), full_name: z.string() }).passthrough()).default([]),
  repositories_removed: z.array(z.object({ id: z.number() }).passthrough()).default([]),
});

/** Thrown for payloads that can never be processed: the delivery is settled as failed, not retried. */
export class UnprocessableDelivery extends Error {}

function parse<T>(schema: z.ZodType<T>, payload: unknown, event: string): T {
  const result = schema.safeParse(payload);
  if (!result.success)
    throw new UnprocessableDelivery(`${event} payload lacks ${result.error.issues[0]?.path.join('.') || 'expected fields'}`);
  return result.data;
}

async function push(x: EventContext): Promise<void> {
  const p = parse(pushPayload, x.payload, 'push');
  const events = [];
  for (const commit of p.commits) {
    const { chittyId } = await x.client.id.mint(
      'EVNT',
      { repository: p.repository.full_name, sha: commit.id },
      `gh-commit:${p.repository.id}:${commit.id}`,
    );
    events.push({
      eventId: `gh:${x.deliveryId}:${commit.id}`,
      eventType: 'github.commit.pushed',
      entityId: chittyId,
      timestamp: commit.timestamp,
      data: {
        repository: p.repository.full_name,
        ref: p.ref,
        sha: commit.id,
        message: commit.message.slice(0, 500),
        author: commit.author?.name,
      },
    });
  }
  for (let i = 0; i < events.length; i += 100) await x.client.chronicle.batch(events.slice(i, i + 100));
}

/** Pull requests and issues: one ChittyID per GitHub object, its DNA evolving with each action. */
function tracked(kind: 'pull_request' | 'issue', event: string) {
  return async (x: EventContext): Promise<void> => {
    const p = parse(numbered(kind), x.payload, event) as { repository: z.infer<typeof repository> } & Record<
      typeof kind,
      { id: number; number: number; title: string; state: string }
    >;
    const item = p[kind];
    const { chittyId } = await x.client.id.mint(
      'INFO',
      { repository: p.repository.full_name, [kind]: item.number },
      `gh-${kind}:${item.id}`,
    );
    await x.client.dna.initialize(chittyId, `github.${kind}`, { repository: p.repository.full_name, number: item.number });
    const summary = { repository: p.repository.full_name, number: item.number, title: item.title.slice(0, 300), state: item.state };
    await x.client.dna.evolve(chittyId, { type: `${event}.${x.action ?? 'unknown'}`, data: summary }, x.deliveryId);
    await x.client.chronicle.log({
      eventId: `gh:${x.deliveryId}`,
      eventType: `github.${event}.${x.action ?? 'unknown'}`,
      entityId: chittyId,
      data: summary,
    });
  };
}

async function installation(x: EventContext): Promise<void> {
  const p = parse(installationPayload, x.payload, 'installation');
  const inst = p.installation;
  const { chittyId } = await x.client.id.mint(
    'CONTEXT',
    { githubInstallation: inst.id, account: inst.account.login },
    `gh-installation:${inst.id}`,
  );
  const { dnaId } = await x.client.dna.initialize(chittyId, 'github.installation', { account: inst.account.login });
  const at = new Date().toISOString();
  const db = x.env.DB;
  const statements = [
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
        repositories: p.repositories.map((r) => ({ id: r.id, fullName: r.full_name })),
      },
      at,
    ),
  ];
  if (x.action === 'deleted' || x.action === 'suspend' || x.action === 'unsuspend') {
    statements.push(setInstallationState(db, inst.id, x.action, p.sender?.login ?? null, at));
  }
  await db.batch(statements);
  await x.client.dna.evolve(chittyId, { type: `installation.${x.action ?? 'unknown'}` }, x.deliveryId);
  await x.client.chronicle.log({
    eventId: `gh:${x.deliveryId}`,
    eventType: x.action === 'created' ? 'github.app.installed' : `github.installation.${x.action ?? 'unknown'}`,
    entityId: chittyId,
    data: { installationId: inst.id, account: inst.account.login, selection: inst.repository_selection },
  });
}

async function installationRepositoriesChanged(x: EventContext): Promise<void> {
  const p = parse(repositoriesPayload, x.payload, 'installation_repositories');
  const id = p.installation.id;
  const current = await installationRepositories(x.env.DB, id);
  if (current === null) throw new Error(`installation ${id} is not known yet; retrying after its installation event`);
  const removed = new Set(p.repositories_removed.map((r) => r.id));
  const next = [...current.filter((r) => !removed.has(r.id)), ...p.repositories_added.map((r) => ({ id: r.id, fullName: r.full_name }))];
  const unique = [...new Map(next.map((r) => [r.id, r])).values()];
  await setInstallationRepositories(x.env.DB, id, unique, new Date().toISOString()).run();
  const { chittyId } = await x.client.id.mint('CONTEXT', { githubInstallation: id }, `gh-installation:${id}`);
  await x.client.dna.evolve(chittyId, { type: `installation_repositories.${x.action ?? 'unknown'}` }, x.deliveryId);
  await x.client.chronicle.log({
    eventId: `gh:${x.deliveryId}`,
    eventType: `github.installation_repositories.${x.action ?? 'unknown'}`,
    entityId: chittyId,
    data: { added: p.repositories_added.map((r) => r.full_name), removed: [...removed] },
  });
}

export const HANDLERS: Record<string, (x: EventContext) => Promise<void>> = {
  push,
  pull_request: tracked('pull_request', 'pull_request'),
  issues: tracked('issue', 'issues'),
  installation,
  installation_repositories: installationRepositoriesChanged,
  ping: async () => {},
};
