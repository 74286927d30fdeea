/**
 * What each GitHub event means in ChittyOS. Every step is idempotent, so a delivery processed
 * twice (a retry after a partial failure) changes nothing twice: ChittyIDs are minted with an
 * idempotency key derived from the GitHub object, DNA evolves and Chronicle logs by event id.
 *   push               each commit: an EVNT ChittyID and a Chronicle entry
 *   pull_request       the PR: an INFO ChittyID, DNA initialised then evolved per action, Chronicle;
 *                      on opened/synchronize/reopened its summary comment and a check run (pr-summary.ts)
 *   issues             the issue: an INFO ChittyID, DNA initialised then evolved per action, Chronicle
 *   installation(_repositories)  the `installations` row kept current, DNA, Chronicle
 */
import { z } from 'zod';
import type { EcosystemClient } from '../../ecosystem/client';
import type { Env } from '../../env';
import { forgetInstallationToken, githubClient } from '../api';
import { registerInstallation } from '../installations';
import { publishSummary } from '../pr-summary';
import { installationRepositories, installedEventId, setInstallationRepositories, setInstallationState } from '../store';

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

const pullRequestPayload = z.object({
  repository: repository.extend({ name: z.string(), owner: z.object({ login: z.string() }).passthrough() }),
  pull_request: z.object({ number: z.number(), title: z.string(), head: z.object({ sha: z.string() }).passthrough() }).passthrough(),
  installation: z.object({ id: z.number() }).passthrough().optional(),
});

/** Actions after which the PR's summary comment is (re)written. */
const SUMMARISED = new Set(['opened', 'synchronize', 'reopened']);

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
  return async (x: EventContext): Promise<string> => {
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
    return chittyId;
  };
}

const trackPullRequest = tracked('pull_request', 'pull_request');

/** Tracked like an issue, and summarised on the PR itself (a comment kept current, a check run). */
async function pullRequest(x: EventContext): Promise<void> {
  const chittyId = await trackPullRequest(x);
  if (!SUMMARISED.has(x.action ?? '')) return;
  const p = parse(pullRequestPayload, x.payload, 'pull_request');
  if (!p.installation) throw new UnprocessableDelivery('pull_request payload has no installation: it was not sent to the App');
  await publishSummary(githubClient(x.env, p.installation.id), x.env.DB, {
    owner: p.repository.owner.login,
    repo: p.repository.name,
    repositoryId: p.repository.id,
    number: p.pull_request.number,
    headSha: p.pull_request.head.sha,
    title: p.pull_request.title,
    chittyId,
  });
}

async function installation(x: EventContext): Promise<void> {
  const p = parse(installationPayload, x.payload, 'installation');
  const inst = p.installation;
  const change = x.action === 'deleted' || x.action === 'suspend' || x.action === 'unsuspend' ? x.action : null;
  const { chittyId } = await registerInstallation(x.env, x.client, inst, p.repositories, (db, at) =>
    change ? [setInstallationState(db, inst.id, change, p.sender?.login ?? null, at)] : [],
  );
  if (change === 'deleted' || change === 'suspend') await forgetInstallationToken(x.env.TOKEN_KV, inst.id);
  await x.client.dna.evolve(chittyId, { type: `installation.${x.action ?? 'unknown'}` }, x.deliveryId);
  await x.client.chronicle.log({
    // The install is logged once whether the callback or this event records it first.
    eventId: x.action === 'created' ? installedEventId(inst.id) : `gh:${x.deliveryId}`,
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
  pull_request: pullRequest,
  issues: async (x) => {
    await tracked('issue', 'issues')(x);
  },
  installation,
  installation_repositories: installationRepositoriesChanged,
  ping: async () => {},
};
