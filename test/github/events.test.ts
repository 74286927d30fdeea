/// <reference types="vite/client" />
/**
 * Processing GitHub deliveries from EVENT_Q, through the worker's queue handler and the emulator:
 * exact dedupe by delivery id (100 concurrent copies → processed once), what each event leaves in
 * ChittyOS and D1, and retries when a service fails.
 */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { developmentClock, ecosystemFromEnv } from '../../src/ecosystem/from-env';
import { STALE_PROCESSING_MS } from '../../src/github/store/deliveries';
import installationCreated from '../fixtures/github/installation.created.json';
import suspendFixture from '../fixtures/github/installation.suspend.json';
import reposAdded from '../fixtures/github/installation_repositories.added.json';
import issueOpened from '../fixtures/github/issues.opened.json';
import pushFixture from '../fixtures/github/push.json';
import { call, registeredActor } from '../helpers/actors';
import { clearFaults, serviceAuth, setFault } from '../helpers/emulator';
import { delivery, idFor, installationRow, runEvents as run, sendWebhook, timeline, waitForStatus } from '../helpers/github';

afterEach(clearFaults);

async function status(deliveryId: string) {
  return env.DB.prepare("SELECT status, attempts, last_error FROM processed_events WHERE source = 'github' AND event_id = ?")
    .bind(deliveryId)
    .first<{ status: string; attempts: number; last_error: string | null }>();
}

describe('GitHub event processing', () => {
  it('100 concurrent copies of one delivery are processed once', async () => {
    const sha = crypto.randomUUID().replace(/-/g, '');
    const payload = { ...pushFixture, commits: [{ ...pushFixture.commits[0], id: sha }] };
    const one = delivery('push', payload);
    const results = await Promise.all(Array.from({ length: 100 }, () => run([one])));
    const acked = results.reduce((n, r) => n + r.explicitAcks.length, 0);
    const retried = results.reduce((n, r) => n + r.retryMessages.length, 0);
    expect(acked + retried).toBe(100);
    expect(await status(one.deliveryId)).toMatchObject({ status: 'processed', attempts: 1 }); // claimed exactly once
    const commitId = await idFor(`gh-commit:${pushFixture.repository.id}:${sha}`, 'EVNT');
    expect((await timeline(commitId)).map((e) => e.eventType)).toEqual(['github.commit.pushed']);
    // A later redelivery of the same id is acknowledged without processing.
    const again = await run([one]);
    expect(again.explicitAcks).toHaveLength(1);
    expect((await status(one.deliveryId))?.attempts).toBe(1);
  });

  it('a delivery left "processing" by a crashed run is taken over once it is stale, and processed once', async () => {
    const claim = (d: { deliveryId: string }, at: Date) =>
      env.DB.prepare(
        `INSERT INTO processed_events (source, event_id, event_type, status, attempts, received_at, claimed_at)
         VALUES ('github', ?1, 'push', 'processing', 1, ?2, ?2)`,
      )
        .bind(d.deliveryId, at.toISOString())
        .run();
    const pushOf = (sha: string) => delivery('push', { ...pushFixture, commits: [{ ...pushFixture.commits[0], id: sha }] });
    // A run that is still within its time is left alone: the copy retries later.
    const fresh = pushOf(crypto.randomUUID().replace(/-/g, ''));
    await claim(fresh, new Date(Date.now() - STALE_PROCESSING_MS + 60_000));
    expect((await run([fresh])).retryMessages).toHaveLength(1);
    expect(await status(fresh.deliveryId)).toMatchObject({ status: 'processing', attempts: 1 });
    // A crashed run's claim, older than STALE_PROCESSING_MS: of two concurrent copies, one takes it over.
    const sha = crypto.randomUUID().replace(/-/g, '');
    const stuck = pushOf(sha);
    await claim(stuck, new Date(Date.now() - STALE_PROCESSING_MS - 1_000));
    const runs = await Promise.all([run([stuck]), run([stuck])]);
    expect(runs.reduce((n, r) => n + r.explicitAcks.length + r.retryMessages.length, 0)).toBe(2);
    expect(await status(stuck.deliveryId)).toMatchObject({ status: 'processed', attempts: 2 }); // taken over exactly once
    const commitId = await idFor(`gh-commit:${pushFixture.repository.id}:${sha}`, 'EVNT');
    expect((await timeline(commitId)).map((e) => e.eventId)).toEqual([`gh:${stuck.deliveryId}:${sha}`]);
  });

  it('push: every commit gets an EVNT ChittyID and a Chronicle entry', async () => {
    const shas = [1, 2, 3].map(() => crypto.randomUUID().replace(/-/g, ''));
    const payload = { ...pushFixture, commits: shas.map((id) => ({ ...pushFixture.commits[0], id })) };
    const result = await run([delivery('push', payload)]);
    expect(result.explicitAcks).toHaveLength(1);
    for (const sha of shas) {
      const id = await idFor(`gh-commit:${pushFixture.repository.id}:${sha}`, 'EVNT');
      expect(id).toMatch(/-EVNT-/);
      expect(await timeline(id)).toHaveLength(1);
    }
  });

  it('issues: one ChittyID per issue, DNA evolving with each action, Chronicle entries', async () => {
    const issueId = Math.floor(Math.random() * 1e9);
    const opened = { ...issueOpened, issue: { ...issueOpened.issue, id: issueId } };
    const closed = { ...opened, action: 'closed', issue: { ...opened.issue, state: 'closed' } };
    await run([delivery('issues', opened)]);
    await run([delivery('issues', closed)]);
    const id = await idFor(`gh-issue:${issueId}`, 'INFO');
    expect((await timeline(id)).map((e) => e.eventType).sort()).toEqual(['github.issues.closed', 'github.issues.opened']);
    const dna = (await (
      await env.ECOSYSTEM.fetch(`https://dna.chitty.cc/v1/dna/${id}/history`, { headers: serviceAuth('dna') })
    ).json()) as {
      generation: number;
    };
    expect(dna.generation).toBe(2);
  });

  it('installation and installation_repositories keep the D1 row current', async () => {
    const installationId = Math.floor(Math.random() * 1e9);
    const created = { ...installationCreated, installation: { ...installationCreated.installation, id: installationId } };
    await run([delivery('installation', created)]);
    const row = await env.DB.prepare('SELECT * FROM installations WHERE installation_id = ?')
      .bind(installationId)
      .first<Record<string, string>>();
    expect(row).toMatchObject({ account_login: 'chitty-labs', account_type: 'Organization', repository_selection: 'selected' });
    expect(JSON.parse(row?.repositories ?? '[]')).toHaveLength(1);
    const chittyId = row?.chitty_id as string;
    expect((await timeline(chittyId)).map((e) => e.eventType)).toContain('github.app.installed');

    const added = { ...reposAdded, installation: { ...reposAdded.installation, id: installationId } };
    await run([delivery('installation_repositories', added)]);
    const after = await env.DB.prepare('SELECT repositories FROM installations WHERE installation_id = ?')
      .bind(installationId)
      .first<{ repositories: string }>();
    expect((JSON.parse(after?.repositories ?? '[]') as { fullName: string }[]).map((r) => r.fullName)).toEqual([
      'chitty-labs/rocket',
      'chitty-labs/lander',
    ]);

    // GitHub sends no `repositories` with suspend: the stored list stands.
    const suspend = { ...suspendFixture, installation: { ...suspendFixture.installation, id: installationId } };
    expect((await run([delivery('installation', suspend)])).explicitAcks).toHaveLength(1);
    expect(await installationRow(installationId)).toMatchObject({
      suspended_at: expect.any(String),
      suspended_by: 'ada',
      repositories: [
        { id: 700001, fullName: 'chitty-labs/rocket' },
        { id: 700002, fullName: 'chitty-labs/lander' },
      ],
    });
    expect((await run([delivery('installation', { ...created, action: 'deleted' })])).explicitAcks).toHaveLength(1);
    const gone = await env.DB.prepare('SELECT uninstalled_at, chitty_id FROM installations WHERE installation_id = ?')
      .bind(installationId)
      .first<Record<string, string>>();
    expect(gone?.uninstalled_at).toBeTruthy();
    expect(gone?.chitty_id).toBe(chittyId); // replays and later events never mint a second identity
  });

  it('a failing service: the delivery is retried and settled failed, then processed on the next attempt', async () => {
    const issueId = Math.floor(Math.random() * 1e9);
    const payload = { ...issueOpened, issue: { ...issueOpened.issue, id: issueId } };
    const d = delivery('issues', payload);
    await setFault('chronicle.chitty.cc', { mode: 'error', status: 503 });
    const failed = await run([d]);
    expect(failed.retryMessages).toHaveLength(1);
    expect(await status(d.deliveryId)).toMatchObject({ status: 'failed' });
    await clearFaults();
    developmentClock.advance(ecosystemFromEnv(env).transport.options.breakerOpenMs); // the breaker's open period passes
    const ok = await run([d]);
    expect(ok.explicitAcks).toHaveLength(1);
    expect(await status(d.deliveryId)).toMatchObject({ status: 'processed', attempts: 2 });
    expect(await timeline(await idFor(`gh-issue:${issueId}`, 'INFO'))).toHaveLength(1);
  });

  it('admins read installations and deliveries (processed and failed); others may not', async () => {
    const installationId = Math.floor(Math.random() * 1e9);
    await run([
      delivery('installation', { ...installationCreated, installation: { ...installationCreated.installation, id: installationId } }),
    ]);
    const bad = delivery('push', { ref: 'refs/heads/nowhere' });
    await run([bad]);
    const admin = await registeredActor('system', ['admin']);
    const other = await registeredActor('human');
    const one = await call(`/v1/github/installations/${installationId}`, admin.token);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ installationId, account: { login: 'chitty-labs' }, repositorySelection: 'selected' });
    expect((await call('/v1/github/installations/1', admin.token)).status).toBe(404);
    const list = (await (await call('/v1/github/installations', admin.token)).json()) as { installations: { installationId: number }[] };
    expect(list.installations.map((i) => i.installationId)).toContain(installationId);
    const failed = (await (await call('/v1/github/deliveries?status=failed', admin.token)).json()) as {
      deliveries: { deliveryId: string; lastError: string }[];
    };
    expect(failed.deliveries.find((d) => d.deliveryId === bad.deliveryId)?.lastError).toContain('push payload lacks');
    expect((await call('/v1/github/deliveries', other.token)).status).toBe(403);
    expect((await call('/v1/github/installations', other.token)).status).toBe(403);
  });

  it('a payload that can never be processed is settled failed and not retried', async () => {
    const d = delivery('push', { ref: 'refs/heads/main' });
    const result = await run([d]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await status(d.deliveryId)).toMatchObject({ status: 'failed', last_error: expect.stringContaining('push payload lacks') });
  });

  it('every fixture, each event and action, is accepted by the webhook and processed', async () => {
    const fixtures = import.meta.glob<{ default: Record<string, unknown> }>('../fixtures/github/*.json', { eager: true });
    const byName = Object.fromEntries(Object.entries(fixtures).map(([path, m]) => [path.replace(/^.*\/|\.json$/g, ''), m.default]));
    const send = async (name: string) => {
      const id = crypto.randomUUID();
      const payload = byName[name];
      expect(payload, name).toBeDefined();
      expect((await sendWebhook(name.split('.')[0] ?? name, payload, id)).status).toBe(202);
      await waitForStatus(id, 'processed');
    };
    // The installation first (its repositories events need the row), its removal last.
    await send('installation.created');
    const middle = Object.keys(byName).filter((n) => !['installation.created', 'installation.deleted'].includes(n));
    expect(middle.length).toBeGreaterThanOrEqual(12);
    // Events about the installation in order (their final state is checked); the rest at once.
    await Promise.all(middle.filter((n) => !n.startsWith('installation')).map(send));
    for (const name of middle.filter((n) => n.startsWith('installation')).sort()) await send(name);
    await send('installation.deleted');
    const row = await env.DB.prepare(
      'SELECT repositories, suspended_at, uninstalled_at FROM installations WHERE installation_id = 41001',
    ).first<{
      repositories: string;
      suspended_at: string | null;
      uninstalled_at: string | null;
    }>();
    expect(row?.uninstalled_at).toBeTruthy();
    expect(row?.suspended_at).toBeNull(); // suspend, then unsuspend
    expect(await env.TOKEN_KV.get('ghtoken:41001')).toBeNull(); // the uninstalled installation's token is dropped
    expect((JSON.parse(row?.repositories ?? '[]') as { fullName: string }[]).map((r) => r.fullName)).toEqual(['chitty-labs/rocket']);
  });
});
