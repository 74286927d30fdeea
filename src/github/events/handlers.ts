/**
 * What each GitHub event means in ChittyOS. Every step is idempotent, so a delivery processed
 * twice (a retry after a partial failure) changes nothing twice: ChittyIDs are minted with an
 * idempotency key derived from the GitHub object, DNA evolves and Chronicle logs by event id.
 *   push               each commit: an EVNT ChittyID and a Chronicle entry; a ref created, deleted or
 *                      moved without commits (a tag push): the ref's INFO ChittyID and a Chronicle entry
 *                      a push to the default branch is also analysed: one "ChittyConnect" check run on
 *                      `after` from the compare of before...after (intelligence/analysis.ts)
 *   pull_request       the PR: an INFO ChittyID, DNA initialised then evolved per action, Chronicle;
 *                      on opened/synchronize/reopened the head commit's analysis (a check run) and
 *                      the PR's summary comment, once per head sha (pr-summary.ts)
 *   issues             the issue: an INFO ChittyID, DNA initialised then evolved per action, Chronicle;
 *                      indexed for duplicate search, triaged on opened/edited/reopened (intelligence/triage.ts)
 *   installation(_repositories)  the `installations` row kept current, DNA, Chronicle; each repository
 *                      installed gets its ChittyConnect context (intelligence/repo-context.ts), refreshed
 *                      on default-branch pushes too, inactive once the repository is removed
 * Which actions run a handler and which are ignored is listed in actions.ts; the payload schemas
 * (what is required and what is optional, per GitHub's webhooks description) in payloads.ts.
 */
import type { z } from 'zod';
import type { ChronicleEvent } from '../../ecosystem/chronicle';
import type { EcosystemClient } from '../../ecosystem/client';
import type { Env } from '../../env';
import type { Logger } from '../../lib/log';
import { forgetInstallationToken, type GitHubClient } from '../client/api';
import { analysePush } from '../intelligence/analysis';
import { onDefaultBranchPush, onRepositoriesInstalled, onRepositoriesRemoved } from '../intelligence/repo-context';
import { triageEvent } from '../intelligence/triage';
import { registerInstallation } from '../setup/installations';
import {
  installationById,
  installationRepositories,
  installedEventId,
  setInstallationRepositories,
  setInstallationState,
} from '../store/installations';
import { classify } from './actions';
import { installationPayload, issuesPayload, pullRequestPayload, pushPayload, repositoriesPayload } from './payloads';
import { publishSummary } from './pr-summary';

/**
 * One delivery, as every handler receives it (like Probot's event context): built once per
 * delivery by the consumer, so handlers reach for no module-level logger, clock or client.
 */
export interface EventContext {
  env: Env;
  deliveryId: string;
  event: string;
  action: string | null;
  payload: unknown;
  /** Carries the delivery id, event and action on every line. */
  log: Logger;
  /** The ecosystem client. */
  client: EcosystemClient;
  /** The GitHub client authenticated as an installation (as the App when no id is given). */
  github: (installationId?: number) => GitHubClient;
  now: () => Date;
}

/** Actions after which the PR's summary comment is (re)written. */
const SUMMARISED = new Set(['opened', 'synchronize', 'reopened']);

/** Thrown for payloads that can never be processed: the delivery is settled as failed, not retried. */
export class UnprocessableDelivery extends Error {}

function parse<S extends z.ZodType>(schema: S, payload: unknown, event: string): z.output<S> {
  const result = schema.safeParse(payload);
  if (!result.success)
    throw new UnprocessableDelivery(`${event} payload lacks ${result.error.issues[0]?.path.join('.') || 'expected fields'}`);
  return result.data;
}

/** What a push without commits, or one that creates or deletes its ref, did to the ref. */
function refChange(p: z.output<typeof pushPayload>): 'created' | 'deleted' | 'updated' | null {
  if (p.deleted) return 'deleted';
  if (p.created) return 'created';
  return p.commits.length === 0 ? 'updated' : null;
}

async function push(x: EventContext): Promise<void> {
  const p = parse(pushPayload, x.payload, 'push');
  const events: ChronicleEvent[] = [];
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
        author: commit.author.name,
      },
    });
  }
  const change = refChange(p);
  if (change) {
    // The ref itself: created or deleted (a tag push carries no commits), or moved without new commits.
    const { chittyId } = await x.client.id.mint(
      'INFO',
      { repository: p.repository.full_name, ref: p.ref },
      `gh-ref:${p.repository.id}:${p.ref}`,
    );
    events.push({
      eventId: `gh:${x.deliveryId}:ref`,
      eventType: `github.ref.${change}`,
      entityId: chittyId,
      data: { repository: p.repository.full_name, ref: p.ref, before: p.before, after: p.after, forced: p.forced, pusher: p.pusher.name },
    });
  }
  for (let i = 0; i < events.length; i += 100) await x.client.chronicle.batch(events.slice(i, i + 100));
  await analyseDefaultBranch(x, p);
  await refreshContextOnPush(x, p);
}

/** The repository context's deps for one installation (intelligence/repo-context.ts). */
const contextDeps = (x: EventContext, installationId: number) => ({
  env: x.env,
  gh: x.github(installationId),
  client: x.client,
  log: x.log,
  now: x.now(),
});

/** A push to the default branch through the App also refreshes the repository's context (throttled). */
async function refreshContextOnPush(x: EventContext, p: z.output<typeof pushPayload>): Promise<void> {
  const { name, owner, default_branch: branch } = p.repository;
  if (!branch || p.ref !== `refs/heads/${branch}` || p.deleted || !p.installation || !name || !owner?.login) return;
  const repo = { owner: owner.login, repo: name, repositoryId: p.repository.id, fullName: p.repository.full_name };
  await onDefaultBranchPush(contextDeps(x, p.installation.id), repo);
}

const NO_COMMIT = /^0+$/;

/** A push to the default branch (not a branch creation or deletion), through the App: one check run on `after`. */
async function analyseDefaultBranch(x: EventContext, p: z.output<typeof pushPayload>): Promise<void> {
  const { name, owner, default_branch: branch } = p.repository;
  if (!branch || p.ref !== `refs/heads/${branch}` || p.deleted || NO_COMMIT.test(p.before) || NO_COMMIT.test(p.after)) return;
  if (!p.installation || !name || !owner?.login) {
    x.log.log('info', 'github.analysis_skipped', { reason: 'the delivery names no installation or repository owner' });
    return;
  }
  const deps = { gh: x.github(p.installation.id), db: x.env.DB, kv: x.env.CHITTYCONNECT_KV, log: x.log, now: x.now() };
  await analysePush(deps, { owner: owner.login, repo: name, repositoryId: p.repository.id, before: p.before, after: p.after });
}

/** Pull requests and issues: one ChittyID per GitHub object, its DNA evolving with each action. */
async function track(
  x: EventContext,
  kind: 'pull_request' | 'issue',
  event: string,
  repository: string,
  item: { id: number; number: number; title: string; state?: string | undefined },
): Promise<string> {
  const { chittyId } = await x.client.id.mint('INFO', { repository, [kind]: item.number }, `gh-${kind}:${item.id}`);
  await x.client.dna.initialize(chittyId, `github.${kind}`, { repository, number: item.number });
  const summary = { repository, number: item.number, title: item.title.slice(0, 300), state: item.state };
  await x.client.dna.evolve(chittyId, { type: `${event}.${x.action ?? 'unknown'}`, data: summary }, x.deliveryId);
  await x.client.chronicle.log({
    eventId: `gh:${x.deliveryId}`,
    eventType: `github.${event}.${x.action ?? 'unknown'}`,
    entityId: chittyId,
    data: summary,
  });
  return chittyId;
}

/** Tracked, indexed for duplicate search, and triaged on opened/edited/reopened (intelligence/triage.ts). */
async function issue(x: EventContext): Promise<void> {
  const p = parse(issuesPayload, x.payload, 'issues');
  await track(x, 'issue', 'issues', p.repository.full_name, p.issue);
  const { owner, name } = p.repository;
  if (!p.installation || !owner || !name) {
    x.log.log('info', 'github.triage_skipped', { reason: 'the delivery names no installation or repository owner' });
    return;
  }
  const e = { action: x.action ?? 'unknown', repo: { owner: owner.login, repo: name, repositoryId: p.repository.id }, ...p };
  const outcome = await triageEvent({ env: x.env, gh: x.github(p.installation.id), log: x.log, now: x.now() }, e);
  if (!outcome.triaged && outcome.calls > 0) x.log.log('info', 'github.triage_skipped', { reason: outcome.reason, calls: outcome.calls });
}

/** Tracked like an issue, and analysed and summarised on the PR itself (a check run per head sha, a comment kept current). */
async function pullRequest(x: EventContext): Promise<void> {
  const p = parse(pullRequestPayload, x.payload, 'pull_request');
  const chittyId = await track(x, 'pull_request', 'pull_request', p.repository.full_name, p.pull_request);
  if (!SUMMARISED.has(x.action ?? '')) return;
  if (!p.installation) {
    // A repository or organisation webhook, not the App: there is no installation to write with.
    x.log.log('info', 'github.summary_skipped', { reason: 'the delivery names no installation' });
    return;
  }
  const pr = {
    owner: p.repository.owner.login,
    repo: p.repository.name,
    repositoryId: p.repository.id,
    number: p.pull_request.number,
    headSha: p.pull_request.head.sha,
    headUpdatedAt: p.pull_request.updated_at,
    title: p.pull_request.title,
    chittyId,
  };
  const deps = { gh: x.github(p.installation.id), db: x.env.DB, kv: x.env.CHITTYCONNECT_KV, log: x.log, now: x.now() };
  await publishSummary(deps, pr);
}

/** A user or organisation account, as the `installations` row keeps it; null for an enterprise or none. */
function accountOf(a: z.output<typeof installationPayload>['installation']['account']) {
  if (!a?.login) return null;
  return {
    id: a.id,
    login: a.login,
    type: a.type === 'Organization' ? ('Organization' as const) : ('User' as const),
    avatar_url: a.avatar_url,
  };
}

async function installation(x: EventContext): Promise<void> {
  const p = parse(installationPayload, x.payload, 'installation');
  const inst = p.installation;
  const account = accountOf(inst.account);
  if (!account && !(await installationById(x.env.DB, inst.id))) {
    // Like the setup callback, which refuses them: an installation needs a user or organisation account.
    x.log.log('warn', 'github.ignored', { installationId: inst.id, reason: 'not a user or organisation account' });
    return;
  }
  const change = x.action === 'deleted' || x.action === 'suspend' || x.action === 'unsuspend' ? x.action : null;
  // Fields the payload leaves out (the repositories of a suspend) keep their stored values.
  const { chittyId } = await registerInstallation(
    x.env,
    x.client,
    { ...inst, account: account ?? undefined },
    p.repositories,
    (db, at) => (change ? [setInstallationState(db, inst.id, change, p.sender.login, at)] : []),
    x.now(),
  );
  if (change === 'deleted' || change === 'suspend') await forgetInstallationToken(x.env.TOKEN_KV, inst.id);
  await x.client.dna.evolve(chittyId, { type: `installation.${x.action ?? 'unknown'}` }, x.deliveryId);
  await x.client.chronicle.log({
    // The install is logged once whether the callback or this event records it first.
    eventId: x.action === 'created' ? installedEventId(inst.id) : `gh:${x.deliveryId}`,
    eventType: x.action === 'created' ? 'github.app.installed' : `github.installation.${x.action ?? 'unknown'}`,
    entityId: chittyId,
    data: { installationId: inst.id, account: account?.login, selection: inst.repository_selection },
  });
  if (x.action === 'created' && p.repositories) await onRepositoriesInstalled(contextDeps(x, inst.id), p.repositories);
  if (x.action === 'deleted' && p.repositories) await onRepositoriesRemoved(contextDeps(x, inst.id), p.repositories);
}

async function installationRepositoriesChanged(x: EventContext): Promise<void> {
  const p = parse(repositoriesPayload, x.payload, 'installation_repositories');
  const id = p.installation.id;
  const current = await installationRepositories(x.env.DB, id);
  if (current === null) throw new Error(`installation ${id} is not known yet; retrying after its installation event`);
  const removed = new Set(p.repositories_removed.flatMap((r) => [r.id, r.full_name].filter((v) => v !== undefined)));
  const kept = current.filter((r) => !removed.has(r.id) && !(r.fullName !== undefined && removed.has(r.fullName)));
  const next = [...kept, ...p.repositories_added.map((r) => ({ id: r.id, fullName: r.full_name }))];
  const unique = [...new Map(next.map((r) => [r.id, r])).values()];
  await setInstallationRepositories(x.env.DB, id, unique, p.repository_selection, x.now().toISOString()).run();
  const { chittyId } = await x.client.id.mint('CONTEXT', { githubInstallation: id }, `gh-installation:${id}`);
  await x.client.dna.evolve(chittyId, { type: `installation_repositories.${x.action ?? 'unknown'}` }, x.deliveryId);
  await x.client.chronicle.log({
    eventId: `gh:${x.deliveryId}`,
    eventType: `github.installation_repositories.${x.action ?? 'unknown'}`,
    entityId: chittyId,
    data: {
      added: p.repositories_added.map((r) => r.full_name),
      removed: p.repositories_removed.map((r) => r.full_name ?? r.id),
      selection: p.repository_selection,
    },
  });
  await onRepositoriesInstalled(contextDeps(x, id), p.repositories_added);
  await onRepositoriesRemoved(contextDeps(x, id), p.repositories_removed);
}

/** Runs the handler for what actions.ts says is handled (or unlisted, logged); skips what it says is ignored. */
function listed(event: string, handler: (x: EventContext) => Promise<void>) {
  return async (x: EventContext): Promise<void> => {
    const disposition = classify(event, x.action);
    if (disposition === null) x.log.log('warn', 'github.unlisted_action');
    else if (disposition !== 'handled') {
      x.log.log('info', 'github.ignored', { reason: disposition.ignored });
      return;
    }
    await handler(x);
  };
}

export const HANDLERS: Record<string, (x: EventContext) => Promise<void>> = {
  push: listed('push', push),
  pull_request: listed('pull_request', pullRequest),
  issues: listed('issues', issue),
  installation: listed('installation', installation),
  installation_repositories: listed('installation_repositories', installationRepositoriesChanged),
  ping: listed('ping', async () => {}),
};
