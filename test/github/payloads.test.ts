/// <reference types="vite/client" />
/**
 * GitHub's own description of its webhooks (`@octokit/openapi-webhooks`) and its example
 * deliveries (`@octokit/webhooks-examples`), through the worker: every event and action of the
 * events the App subscribes to is handled or ignored on purpose (actions.ts); every example
 * delivery of those events, signed and sent to the webhook, is processed by the real EVENT_Q
 * consumer with the right effects; every other event is acknowledged and ignored with no queue work.
 * Both files (~5 MB and ~4 MB) are imported once, as text, and parsed once.
 */

import { env } from 'cloudflare:test';
import descriptionText from '@octokit/openapi-webhooks/generated/api.github.com.json?raw';
import examplesText from '@octokit/webhooks-examples/api.github.com/index.json?raw';
import { describe, expect, it } from 'vitest';
import { classify, EVENT_ACTIONS, PLAIN_EVENTS } from '../../src/github/events/actions';
import { SUPPORTED_EVENTS } from '../../src/github/webhook/routes';
import installationCreated from '../fixtures/github/installation.created.json';
import reposAdded from '../fixtures/github/installation_repositories.added.json';
import reposRemoved from '../fixtures/github/installation_repositories.removed.json';
import {
  control,
  counted,
  delivery,
  deliveryRow,
  idFor,
  installationRow,
  postedOn,
  runEvents,
  sendWebhook,
  timeline,
} from '../helpers/github';

interface Schema {
  $ref?: string;
  properties?: { action?: { enum?: string[] } };
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
}
interface Description {
  webhooks: Record<
    string,
    { post: { 'x-github': { subcategory: string }; requestBody: { content: { 'application/json': { schema: Schema } } } } }
  >;
  components: { schemas: Record<string, Schema> };
}
type Payload = Record<string, unknown> & { action?: string };
interface ExampleSet {
  name: string;
  examples: Payload[];
}

const description = JSON.parse(descriptionText) as Description;
const exampleSets = JSON.parse(examplesText) as ExampleSet[];

/** The event name GitHub sends in X-GitHub-Event (the description writes three of them with hyphens). */
const eventName = (subcategory: string) => subcategory.replace(/-/g, '_');

function actionsOf(schema: Schema): string[] {
  const s = schema.$ref ? description.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
  if (!s) throw new Error(`unresolved ${schema.$ref}`);
  const branches = [...(s.oneOf ?? []), ...(s.anyOf ?? []), ...(s.allOf ?? [])];
  return [...new Set([...(s.properties?.action?.enum ?? []), ...branches.flatMap(actionsOf)])];
}

/** Every (event, action) the description lists; action null for events without one. */
const described = Object.values(description.webhooks).flatMap(({ post }): { event: string; action: string | null }[] => {
  const event = eventName(post['x-github'].subcategory);
  const actions = actionsOf(post.requestBody.content['application/json'].schema);
  return actions.length ? actions.map((action) => ({ event, action })) : [{ event, action: null }];
});

const subscribed = [...SUPPORTED_EVENTS];
const examplesOf = (event: string) => exampleSets.find((s) => s.name === event)?.examples ?? [];

describe('GitHub webhooks description', () => {
  it('every event and action of the subscribed events is handled or ignored on purpose', () => {
    const ours = described.filter((d) => SUPPORTED_EVENTS.has(d.event));
    expect(new Set(ours.map((d) => d.event))).toEqual(SUPPORTED_EVENTS); // the description knows every event we subscribe to
    expect(ours.length).toBeGreaterThanOrEqual(45);
    const unclassified = ours.filter((d) => classify(d.event, d.action) === null);
    expect(unclassified).toEqual([]);
    // …and the list names nothing the description does not (a stale entry is a decision nobody made).
    const listed = [
      ...Object.entries(EVENT_ACTIONS).flatMap(([event, actions]) => Object.keys(actions).map((action) => `${event}.${action}`)),
      ...Object.keys(PLAIN_EVENTS),
    ];
    expect(listed.sort()).toEqual(ours.map((d) => (d.action ? `${d.event}.${d.action}` : d.event)).sort());
  });

  it('every example delivery of the subscribed events is processed, with its effects', { timeout: 180_000 }, async () => {
    // The examples' pull requests belong to installation 1 on Codertocat/Hello-World: let the emulated GitHub know it.
    await control('POST', '/github/installations', {
      id: 1,
      account: { login: 'Codertocat', type: 'User' },
      repositories: [{ id: 186853002, full_name: 'Codertocat/Hello-World' }],
    });
    const sent: { id: string; event: string; payload: Payload }[] = [];
    const send = async (event: string, payload: Payload) => {
      const id = crypto.randomUUID();
      const res = await sendWebhook(event, payload, id);
      expect(res.status, `${event}.${payload.action}`).toBe(202);
      expect(await res.json()).toMatchObject({ accepted: true });
      sent.push({ id, event, payload });
      return id;
    };
    const settled = async (ids: string[]) => {
      const deadline = Date.now() + 90_000;
      let pending = ids;
      while (pending.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        const rows = await Promise.all(pending.map(async (id) => ({ id, row: await deliveryRow(id) })));
        pending = rows.filter((r) => r.row?.status !== 'processed' && r.row?.status !== 'failed').map((r) => r.id);
      }
      const rows = await Promise.all(ids.map(async (id) => ({ id, row: await deliveryRow(id) })));
      const notProcessed = rows.filter((r) => r.row?.status !== 'processed');
      const named = notProcessed.map((r) => {
        const s = sent.find((x) => x.id === r.id);
        return `${s?.event}.${s?.payload.action ?? ''}: ${r.row?.status ?? 'never claimed'} ${r.row?.last_error ?? ''}`;
      });
      expect(named).toEqual([]);
    };
    // Installations first (installation_repositories needs their rows), then everything else at once.
    const installs = await Promise.all(examplesOf('installation').map((p) => send('installation', p)));
    await settled(installs);
    const rest = subscribed.filter((e) => e !== 'installation');
    const others = await Promise.all(rest.flatMap((event) => examplesOf(event).map((p) => send(event, p))));
    await settled(others);
    expect(sent.length).toBeGreaterThanOrEqual(70);
    expect(new Set(sent.map((s) => s.event))).toEqual(SUPPORTED_EVENTS);

    // Issues and pull requests: each delivery is in its object's Chronicle timeline, under its action.
    for (const kind of ['issue', 'pull_request'] as const) {
      const event = kind === 'issue' ? 'issues' : 'pull_request';
      const mine = sent.filter((s) => s.event === event);
      const entries = new Map<number, { eventId: string; eventType: string }[]>();
      for (const { payload } of mine) {
        const itemId = (payload[kind] as { id: number }).id;
        if (!entries.has(itemId)) entries.set(itemId, await timeline(await idFor(`gh-${kind}:${itemId}`, 'INFO')));
      }
      const missing = mine.filter(
        ({ id, payload }) =>
          !entries
            .get((payload[kind] as { id: number }).id)
            ?.some((e) => e.eventId === `gh:${id}` && e.eventType === `github.${event}.${payload.action}`),
      );
      expect(missing.map((m) => `${event}.${m.payload.action}`)).toEqual([]);
    }
    const pinned = sent.filter((s) => s.event === 'issues' && ['pinned', 'unpinned'].includes(String(s.payload.action)));
    expect(pinned).toHaveLength(2); // GitHub sends these without issue.state; both reached Chronicle above

    // Pushes: each commit in its own timeline; a tag pushed or deleted (no commits) in the ref's.
    const pushes = sent.filter((s) => s.event === 'push');
    const refEntries = await timeline(await idFor('gh-ref:186853002:refs/tags/simple-tag', 'INFO'));
    for (const { id, payload } of pushes) {
      const p = payload as { ref: string; created: boolean; deleted: boolean; commits: { id: string }[] };
      for (const commit of p.commits) {
        const entries = await timeline(await idFor(`gh-commit:186853002:${commit.id}`, 'EVNT'));
        expect(entries.map((e) => e.eventId)).toContain(`gh:${id}:${commit.id}`);
      }
      if (p.ref === 'refs/tags/simple-tag') {
        const type = p.deleted ? 'github.ref.deleted' : 'github.ref.created';
        expect(refEntries).toContainEqual(expect.objectContaining({ eventId: `gh:${id}:ref`, eventType: type }));
      }
    }
    expect(refEntries.filter((e) => e.eventType === 'github.ref.created')).toHaveLength(1);

    // Installations: registered; the repositories added by installation_repositories are kept.
    expect(await installationRow(957387)).toMatchObject({ account_login: 'Codertocat', repository_selection: 'selected' });
    expect((await installationRow(957387))?.repositories.map((r) => r.fullName)).toContain('Codertocat/Space');
    expect(await installationRow(16598467)).toMatchObject({ account_login: 'Codertocat' });
    // The App's summary of the examples' pull request (opened, reopened, synchronize): one comment, edited in place.
    expect((await postedOn(2, 'Codertocat/Hello-World')).comments).toHaveLength(1);
  });

  it('events the App does not subscribe to are acknowledged and ignored, with no queue work', { timeout: 60_000 }, async () => {
    const others = [...new Set(described.map((d) => d.event))].filter((e) => !SUPPORTED_EVENTS.has(e));
    expect(others.length).toBeGreaterThan(50);
    const calls: string[] = [];
    const bindings = { EVENT_Q: counted('EVENT_Q', env.EVENT_Q, calls), CHITTYCONNECT_KV: counted('KV', env.CHITTYCONNECT_KV, calls) };
    for (const event of others) {
      const id = crypto.randomUUID();
      const res = await sendWebhook(event, examplesOf(event)[0] ?? { zen: 'Keep it logically awesome.' }, id, bindings);
      expect(res.status, event).toBe(202);
      expect(await res.json()).toEqual({ deliveryId: id, event, ignored: true });
    }
    expect(calls).toEqual([]);
  });
});

describe('payloads as GitHub sends them', () => {
  const suspendExample = examplesOf('installation').find((p) => p.action === 'suspend') as Payload & { installation: object };
  const unsuspendExample = examplesOf('installation').find((p) => p.action === 'unsuspend') as Payload & { installation: object };

  it('suspend and unsuspend (no repositories) keep the stored list; installation_repositories keeps the selection', async () => {
    const id = Math.floor(Math.random() * 1e9);
    const withId = <T extends { installation: object }>(p: T) => ({ ...p, installation: { ...p.installation, id } });
    const run = async (event: string, payload: Payload) =>
      expect((await runEvents([delivery(event, payload)])).explicitAcks).toHaveLength(1);
    await run('installation', withId(installationCreated));
    await run('installation_repositories', withId(reposAdded));
    const both = [
      { id: 700001, fullName: 'chitty-labs/rocket' },
      { id: 700002, fullName: 'chitty-labs/lander' },
    ];
    expect(suspendExample).not.toHaveProperty('repositories');
    await run('installation', withId(suspendExample));
    expect(await installationRow(id)).toMatchObject({ repositories: both, suspended_at: expect.any(String), suspended_by: 'Codertocat' });
    await run('installation', withId(unsuspendExample));
    expect(await installationRow(id)).toMatchObject({ repositories: both, suspended_at: null });
    expect(await installationRow(id)).toMatchObject({ repository_selection: 'all' }); // as GitHub's unsuspend example says
    // A later change applies to the kept list, and its repository_selection is stored.
    await run('installation_repositories', withId(reposRemoved));
    expect(await installationRow(id)).toMatchObject({ repositories: [both[0]], repository_selection: 'selected' });
  });

  it('an action newer than the list is still recorded (and logged), not dropped', async () => {
    const opened = examplesOf('issues').find((p) => p.action === 'opened') as Payload & { issue: { id: number } };
    const issueId = Math.floor(Math.random() * 1e9);
    const d = delivery('issues', { ...opened, action: 'teleported', issue: { ...opened.issue, id: issueId } });
    expect(classify('issues', 'teleported')).toBeNull();
    expect((await runEvents([d])).explicitAcks).toHaveLength(1);
    expect(await deliveryRow(d.deliveryId)).toMatchObject({ status: 'processed' });
    expect(await timeline(await idFor(`gh-issue:${issueId}`, 'INFO'))).toContainEqual(
      expect.objectContaining({ eventId: `gh:${d.deliveryId}`, eventType: 'github.issues.teleported' }),
    );
  });

  it('an installation without a user or organisation account changes no stored account, and is never invented', async () => {
    const id = Math.floor(Math.random() * 1e9);
    const created = { ...installationCreated, installation: { ...installationCreated.installation, id } };
    const unknown = delivery('installation', { ...created, installation: { ...created.installation, account: null } });
    expect((await runEvents([unknown])).explicitAcks).toHaveLength(1);
    expect(await deliveryRow(unknown.deliveryId)).toMatchObject({ status: 'processed' });
    expect(await installationRow(id)).toBeNull();
    await runEvents([delivery('installation', created)]);
    const enterprise = {
      id: 7,
      slug: 'chitty-enterprise',
      name: 'Chitty Enterprise',
      node_id: 'E_1',
      html_url: 'https://github.com/enterprises/chitty',
    };
    const suspended = delivery('installation', { ...suspendExample, installation: { ...created.installation, account: enterprise } });
    expect((await runEvents([suspended])).explicitAcks).toHaveLength(1);
    expect(await installationRow(id)).toMatchObject({
      account_login: 'chitty-labs',
      suspended_at: expect.any(String),
      repositories: [{ fullName: 'chitty-labs/rocket' }],
    });
  });
});
