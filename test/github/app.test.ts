/**
 * The GitHub App against the emulated GitHub, through the worker: the pull-request summary comment
 * (posted once, then edited in place), GitHub failing (5xx retried inside the call, then the
 * delivery retried, dead-lettered and replayed), rate limits (short waits taken inline, long ones
 * handed to the queue), admin replay, and recovery from GitHub's delivery log by the cron.
 */
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubDelivery } from '../../src/github/webhook/routes';
import worker from '../../src/index';
import prOpened from '../fixtures/github/pull_request.opened.json';
import { call, registeredActor } from '../helpers/actors';
import { clearFaults, requestsTo, setFault } from '../helpers/emulator';
import {
  control,
  counted,
  delivery,
  deliveryRow,
  freshNumber,
  postedOn,
  pullRequest,
  runEvents,
  sendWebhook,
  waitForStatus,
} from '../helpers/github';

afterEach(clearFaults);

const API = 'api.github.com';

/** Runs the dead-letter consumer on this delivery, as after the queue's last retry. */
async function deadLetter(d: GitHubDelivery): Promise<void> {
  const dlq = createMessageBatch('chittyconnect-github-events-dlq', [
    { id: `dl-${d.deliveryId}`, timestamp: new Date(), attempts: 1, body: d },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(dlq, env, ctx);
  await getQueueResult(dlq, ctx);
}

/** One successful event, so the installation token is cached before a fault hits GitHub. */
async function warmToken(): Promise<void> {
  expect((await runEvents([delivery('pull_request', pullRequest('opened', freshNumber()))])).explicitAcks).toHaveLength(1);
}

describe('pull request summary', () => {
  it('opened posts one summary comment and a check run; synchronize edits the same comment', async () => {
    const number = freshNumber();
    await control('PUT', `/github/repos/chitty-labs/rocket/pulls/${number}/files`, [
      { filename: 'src/engine.ts', status: 'modified', additions: 40, deletions: 12 },
      { filename: 'test/engine.test.ts', status: 'added', additions: 25, deletions: 0 },
    ]);
    const opened = await runEvents([delivery('pull_request', pullRequest('opened', number, 'a'.repeat(40)))]);
    expect(opened.explicitAcks).toHaveLength(1);
    let posted = await postedOn(number);
    expect(posted.comments).toHaveLength(1);
    const [comment] = posted.comments;
    expect(comment?.body).toContain('<!-- chittyconnect:pr-summary -->');
    expect(comment?.body).toContain('**2 files** changed · **+65** / **−12**');
    expect(comment?.body).toContain('No risk flags.');
    expect(comment?.body).toContain('<code>src/engine.ts</code>');
    expect(posted.checkRuns.find((r) => r.headSha === 'a'.repeat(40))).toMatchObject({
      name: 'ChittyConnect',
      conclusion: 'success', // seeded without patches: nothing to analyse, no findings
    });

    await control('PUT', `/github/repos/chitty-labs/rocket/pulls/${number}/files`, [
      { filename: 'src/engine.ts', status: 'modified', additions: 40, deletions: 12 },
      { filename: '.github/workflows/ci.yml', status: 'modified', additions: 3, deletions: 1 },
      { filename: 'package-lock.json', status: 'modified', additions: 900, deletions: 20 },
    ]);
    await runEvents([delivery('pull_request', pullRequest('synchronize', number, 'b'.repeat(40)))]);
    posted = await postedOn(number);
    expect(posted.comments).toHaveLength(1); // edited in place, not re-posted
    expect(posted.comments[0]).toMatchObject({ id: comment?.id, edits: 1 });
    expect(posted.comments[0]?.body).toContain('**3 files** changed · **+943** / **−33**');
    for (const flag of ['large change', 'CI workflows changed', 'dependencies changed', 'code changed without test changes']) {
      expect(posted.comments[0]?.body).toContain(flag);
    }
    expect(posted.checkRuns.find((r) => r.headSha === 'b'.repeat(40))).toMatchObject({ conclusion: 'success' }); // risk flags alone no longer make it neutral

    // closed tracks the PR in ChittyOS but leaves the comment alone.
    await runEvents([delivery('pull_request', pullRequest('closed', number))]);
    expect((await postedOn(number)).comments[0]?.edits).toBe(1);
  });

  it('one batch: deliveries about one PR keep their order, other PRs run alongside, a duplicate is processed once', async () => {
    const [a, b] = [freshNumber(), freshNumber()];
    const opened = delivery('pull_request', pullRequest('opened', a, 'c'.repeat(40)));
    const result = await runEvents([
      opened,
      delivery('pull_request', pullRequest('opened', b)),
      delivery('pull_request', pullRequest('synchronize', a, 'd'.repeat(40))),
      opened,
    ]);
    expect(result.explicitAcks).toHaveLength(4);
    const onA = await postedOn(a);
    expect(onA.comments).toHaveLength(1); // created by opened, then edited by synchronize
    expect(onA.comments[0]).toMatchObject({ edits: 1 });
    expect(onA.comments[0]?.body).toContain('Updated for ddddddd');
    const runs = onA.checkRuns.filter((r) => r.headSha === 'c'.repeat(40) || r.headSha === 'd'.repeat(40));
    expect(runs.map((r) => r.headSha[0])).toEqual(['c', 'd']);
    expect((await postedOn(b)).comments).toHaveLength(1);
    expect(await deliveryRow(opened.deliveryId)).toMatchObject({ status: 'processed', attempts: 1 });
  });

  it('file names cannot inject markdown, mentions or HTML into the comment', async () => {
    const number = freshNumber();
    const evil = 'src/`x` @everyone [link](https://evil.test) </details><img src=x>.ts';
    await control('PUT', `/github/repos/chitty-labs/rocket/pulls/${number}/files`, [
      { filename: evil, status: 'added', additions: 1, deletions: 0 },
    ]);
    await runEvents([delivery('pull_request', pullRequest('opened', number))]);
    const body = (await postedOn(number)).comments[0]?.body ?? '';
    expect(body).toContain(
      '<code>src/&#96;x&#96; &#64;everyone &#91;link&#93;(https://evil.test) &#60;/details&#62;&#60;img src=x&#62;.ts</code>',
    );
    expect(body).not.toContain('@everyone');
    expect(body.match(/<\/details>/g)).toHaveLength(1);
  });

  it('a comment of ours that D1 lost track of is adopted, not duplicated', async () => {
    const number = freshNumber();
    await runEvents([delivery('pull_request', pullRequest('opened', number))]);
    await env.DB.prepare('DELETE FROM github_pr_comments WHERE number = ?').bind(number).run(); // e.g. a crash before recording it
    await runEvents([delivery('pull_request', pullRequest('synchronize', number))]);
    const comments = (await postedOn(number)).comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]?.edits).toBe(1);
  });

  it('a summary comment deleted on GitHub is posted again', async () => {
    const number = freshNumber();
    await runEvents([delivery('pull_request', pullRequest('opened', number))]);
    const [first] = (await postedOn(number)).comments;
    await env.DB.prepare('UPDATE github_pr_comments SET comment_id = ? WHERE number = ?').bind(987_654_321, number).run(); // gone at GitHub
    await runEvents([delivery('pull_request', pullRequest('reopened', number))]);
    const comments = (await postedOn(number)).comments;
    expect(comments).toHaveLength(2);
    expect(comments[1]?.id).not.toBe(first?.id);
  });

  it('what processing one pull request costs: D1 statements, KV and outbound calls', async () => {
    await warmToken();
    const calls: string[] = [];
    const bindings = {
      DB: counted('DB', env.DB, calls),
      TOKEN_KV: counted('TOKEN_KV', env.TOKEN_KV, calls),
      CHITTYCONNECT_KV: counted('CHITTYCONNECT_KV', env.CHITTYCONNECT_KV, calls),
      ECOSYSTEM: counted('out', env.ECOSYSTEM, calls),
    };
    const number = freshNumber();
    const chittyOsBefore = (await requestsTo({})).length;
    expect((await runEvents([delivery('pull_request', pullRequest('opened', number))], 1, bindings)).explicitAcks).toHaveLength(1);
    // The ChittyOS client is built once per isolate (its own binding): its calls are read from the emulator's log.
    for (const r of (await requestsTo({})).slice(chittyOsBefore)) if (r.host !== API) calls.push(`out ${r.method} ${r.host}${r.path}`);
    const tally = (xs: string[]) =>
      xs.map((x) => x.replace(/\/\d+/g, '/N')).reduce<Record<string, number>>((t, x) => Object.assign(t, { [x]: (t[x] ?? 0) + 1 }), {});
    expect(tally(calls)).toEqual({
      'DB.prepare': 8, // claim, newer head published?, analysis claim, check run id, summary-comment slot, record comment id, published record, settle
      'DB.batch': 1, // the published record (and the PR's findings, when there are any)
      'CHITTYCONNECT_KV.get': 1, // the config cache (a miss: a new head sha)
      'CHITTYCONNECT_KV.put': 1,
      'out GET api.github.com/repos/chitty-labs/rocket/contents/.github%2Fchittyconnect.yml': 1,
      'out POST id.chitty.cc/v1/mint': 1,
      'out POST dna.chitty.cc/v1/dna/initialize': 1,
      'out POST dna.chitty.cc/v1/dna/evolve': 1,
      'out POST chronicle.chitty.cc/v1/events/log': 1,
      'out GET api.github.com/repos/chitty-labs/rocket/pulls/N/files': 1,
      'out GET api.github.com/repos/chitty-labs/rocket/issues/N/comments': 1, // a comment of ours D1 does not know? (new PRs only)
      'out POST api.github.com/repos/chitty-labs/rocket/issues/N/comments': 1,
      'out POST api.github.com/repos/chitty-labs/rocket/check-runs': 1,
    });
  });
});

describe('GitHub failing', () => {
  it('5xx: retried inside the call, then the delivery is retried, dead-lettered, and replayed successfully', async () => {
    await warmToken();
    const number = freshNumber();
    const d = delivery('pull_request', pullRequest('opened', number));
    await setFault(API, { mode: 'error', status: 502 });
    const first = await runEvents([d]);
    expect(first.retryMessages).toHaveLength(1);
    const row = await deliveryRow(d.deliveryId);
    expect(row).toMatchObject({
      status: 'failed',
      last_error: expect.stringContaining('GitHub answered 502 to GET /repos/chitty-labs/rocket/contents/'), // the config: the first call
    });
    expect(JSON.parse(row?.delivery ?? '{}')).toMatchObject({ deliveryId: d.deliveryId, event: 'pull_request' });
    // plugin-retry: 1 try + 3 retries of the config read (the first GitHub call of a PR update).
    const configCalls = await requestsTo({ host: API, path: '/repos/chitty-labs/rocket/contents/' });
    expect(configCalls.filter((r) => r.status === 502)).toHaveLength(4);

    // The queue gives up after its last retry; the dead-letter consumer keeps the message.
    await deadLetter(d);
    expect(await env.DB.prepare('SELECT queue FROM dead_letters WHERE id = ?').bind(`dl-${d.deliveryId}`).first()).toMatchObject({
      queue: 'chittyconnect-github-events-dlq',
    });

    await clearFaults();
    const admin = await registeredActor('system', ['admin']);
    const replay = await call(`/v1/github/deliveries/${d.deliveryId}/replay`, admin.token, { method: 'POST' });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ requeued: [d.deliveryId], requestedFromGitHub: [], notFound: [] });
    await waitForStatus(d.deliveryId, 'processed');
    expect((await postedOn(number)).comments).toHaveLength(1);
    const letter = await env.DB.prepare('SELECT replayed_at FROM dead_letters WHERE id = ?').bind(`dl-${d.deliveryId}`).first();
    expect(letter?.replayed_at).toBeTruthy();
    // Replaying what is processed is refused.
    expect((await call(`/v1/github/deliveries/${d.deliveryId}/replay`, admin.token, { method: 'POST' })).status).toBe(409);
  });

  it('a delivery stuck in processing (a crashed run) that the queue gives up on can still be replayed', async () => {
    const number = freshNumber();
    const d = delivery('pull_request', pullRequest('opened', number));
    const now = new Date().toISOString();
    await env.DB.prepare(
      "INSERT INTO processed_events (source, event_id, event_type, status, attempts, received_at, claimed_at) VALUES ('github', ?, 'pull_request', 'processing', 1, ?, ?)",
    )
      .bind(d.deliveryId, now, now)
      .run();
    await deadLetter(d);
    expect(await deliveryRow(d.deliveryId)).toMatchObject({ status: 'failed', last_error: expect.stringContaining('dead-lettered') });
    const admin = await registeredActor('system', ['admin']);
    expect((await call(`/v1/github/deliveries/${d.deliveryId}/replay`, admin.token, { method: 'POST' })).status).toBe(202);
    await waitForStatus(d.deliveryId, 'processed');
    expect((await postedOn(number)).comments).toHaveLength(1);
  });

  it('a short secondary rate limit is waited out inside the call', async () => {
    await warmToken();
    const number = freshNumber();
    await setFault(API, {
      mode: 'error',
      status: 403,
      headers: { 'retry-after': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }),
      times: 1,
    });
    const result = await runEvents([delivery('pull_request', pullRequest('opened', number))]);
    expect(result.explicitAcks).toHaveLength(1);
    expect((await postedOn(number)).comments).toHaveLength(1);
  });

  it('a long primary rate limit sends the delivery back to the queue for as long as GitHub asks', async () => {
    await warmToken();
    const reset = Math.floor(Date.now() / 1000) + 600;
    await setFault(API, {
      mode: 'error',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset), 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'API rate limit exceeded for installation ID 41001.' }),
    });
    const d = delivery('pull_request', pullRequest('opened', freshNumber()));
    // createMessageBatch does not keep retry delays, so this one batch records them itself.
    const retries: (QueueRetryOptions | undefined)[] = [];
    const message = {
      id: 'rate-limited',
      timestamp: new Date(),
      attempts: 1,
      body: d,
      ack: () => {},
      retry: (o?: QueueRetryOptions) => retries.push(o),
    };
    const batch = { queue: 'chittyconnect-github-events', messages: [message], ackAll: () => {}, retryAll: () => {} };
    await worker.queue(batch as unknown as MessageBatch<unknown>, env, createExecutionContext());
    expect(retries).toHaveLength(1);
    expect(retries[0]?.delaySeconds).toBeGreaterThanOrEqual(595);
    expect(retries[0]?.delaySeconds).toBeLessThanOrEqual(602);
    expect((await deliveryRow(d.deliveryId))?.status).toBe('failed');
  });
});

describe('replay and recovery', () => {
  it('replays every failed delivery of a time window', async () => {
    const numbers = [freshNumber(), freshNumber()];
    const ds = numbers.map((n) => delivery('pull_request', pullRequest('opened', n)));
    await setFault(API, { mode: 'error', status: 500 });
    const from = new Date().toISOString();
    await runEvents(ds);
    await clearFaults();
    const admin = await registeredActor('system', ['admin']);
    const res = await call('/v1/github/deliveries/replay', admin.token, { method: 'POST', json: { from } });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { requeued: string[] };
    expect(body.requeued.sort()).toEqual(ds.map((d) => d.deliveryId).sort());
    for (const d of ds) await waitForStatus(d.deliveryId, 'processed');
    for (const n of numbers) expect((await postedOn(n)).comments).toHaveLength(1);
    const stats = await call(`/v1/github/deliveries/stats?from=${encodeURIComponent(from)}`, admin.token);
    expect(await stats.json()).toMatchObject({ processed: 2, failed: 0, processing: 0, firstReceivedAt: expect.any(String) });
    expect((await call('/v1/github/deliveries/replay', admin.token, { method: 'POST', json: { from: 'yesterday' } })).status).toBe(400);
  });

  it('the cron asks GitHub to redeliver what never reached us, once; the redelivery is processed', async () => {
    const number = freshNumber();
    const payload = pullRequest('opened', number);
    const guid = crypto.randomUUID();
    const missed = await control<{ id: number }>('POST', '/github/hook-deliveries', {
      guid,
      event: 'pull_request',
      action: 'opened',
      payload,
      statusCode: 503,
    });
    const fine = crypto.randomUUID();
    await control('POST', '/github/hook-deliveries', { guid: fine, event: 'pull_request', action: 'opened', payload, statusCode: 202 });

    const cron = async () => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), env, ctx);
    };
    await cron();
    const asked = await requestsTo({ host: API, path: `/app/hook/deliveries/${missed.id}/attempts`, method: 'POST' });
    expect(asked).toHaveLength(1);
    expect(await env.DB.prepare('SELECT requests FROM github_redeliveries WHERE guid = ?').bind(fine).first()).toBeNull();
    await cron(); // not asked again within the hour
    expect(await requestsTo({ host: API, path: `/app/hook/deliveries/${missed.id}/attempts`, method: 'POST' })).toHaveLength(1);

    // In tests the emulator has no route back to the worker: deliver the pending redelivery as GitHub would.
    const { deliveries } = await control<{ deliveries: { redelivery: boolean; status: string; request: { payload: unknown } }[] }>(
      'GET',
      `/github/hook-deliveries?guid=${guid}`,
    );
    const pending = deliveries.find((x) => x.redelivery && x.status === 'pending');
    expect(pending).toBeDefined();
    expect((await sendWebhook('pull_request', pending?.request.payload, guid)).status).toBe(202);
    await waitForStatus(guid, 'processed');
    expect((await postedOn(number)).comments).toHaveLength(1);
  });

  it('replaying a delivery we never received asks GitHub; unknown anywhere is 404', async () => {
    const admin = await registeredActor('system', ['admin']);
    const guid = crypto.randomUUID();
    const logged = await control<{ id: number }>('POST', '/github/hook-deliveries', {
      guid,
      event: 'issues',
      action: 'opened',
      payload: { action: 'opened' },
      statusCode: 500,
    });
    const res = await call(`/v1/github/deliveries/${guid}/replay`, admin.token, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ requeued: [], requestedFromGitHub: [guid], notFound: [] });
    expect(await requestsTo({ host: API, path: `/app/hook/deliveries/${logged.id}/attempts`, method: 'POST' })).toHaveLength(1);
    const unknown = await call(`/v1/github/deliveries/${crypto.randomUUID()}/replay`, admin.token, { method: 'POST' });
    expect(unknown.status).toBe(404);
    await setFault(API, { mode: 'error', status: 503 });
    const githubDown = await call(`/v1/github/deliveries/${crypto.randomUUID()}/replay`, admin.token, { method: 'POST' });
    expect(githubDown.status).toBe(502);
    expect(await githubDown.json()).toMatchObject({ code: 'github_unavailable' });
    await clearFaults();
    const other = await registeredActor('human');
    expect((await call(`/v1/github/deliveries/${guid}/replay`, other.token, { method: 'POST' })).status).toBe(403);
  });
});

describe('the whole path', () => {
  it('a signed pull_request.opened webhook ends as a summary comment on the PR', async () => {
    const number = freshNumber();
    const deliveryId = crypto.randomUUID();
    const res = await sendWebhook('pull_request', { ...prOpened, ...pullRequest('opened', number) }, deliveryId);
    expect(res.status).toBe(202);
    await waitForStatus(deliveryId, 'processed');
    const [comment] = (await postedOn(number)).comments;
    expect(comment?.body).toContain('ChittyConnect summary');
  });
});
