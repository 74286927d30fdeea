import { describe, expect, it } from 'vitest';
import installationCreated from '../fixtures/github/installation.created.json';
import { registeredActor } from '../helpers/actors';
import { Browser, location } from '../helpers/browser';
import { deadLetter, delivery, freshNumber, pullRequest, runEvents, waitForStatus } from '../helpers/github';

async function signedIn(token: string): Promise<Browser> {
  const browser = new Browser();
  await browser.signInAt(await browser.go('/console/signin'), token);
  expect((await browser.go('/console/signin/done')).status).toBe(303);
  return browser;
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('the console’s GitHub view', () => {
  it('shows installations, repositories, deliveries and dead letters; replays from a row, a window and a letter', async () => {
    await runEvents([delivery('installation', installationCreated)]); // chitty-labs/rocket
    const [one, two, three] = [1, 2, 3].map(() => delivery('pull_request', pullRequest('opened', freshNumber())));
    if (!one || !two || !three) throw new Error('three deliveries');
    const from = new Date(Date.now() - 60_000).toISOString().slice(0, 16);
    await deadLetter([one, two, three]);
    const admin = await registeredActor('human', ['admin']);
    const browser = await signedIn(admin.token);

    const page = await (await browser.go('/console/github?status=failed&event=pull_request')).text();
    expect(page).toContain('chitty-labs');
    expect(page).toContain('href="/console/github/repositories/chitty-labs/rocket"');
    for (const d of [one, two, three]) expect(page).toContain(d.deliveryId);
    expect(page).toContain(`action="/console/github/deliveries/${one.deliveryId}/replay"`);
    expect(page).toContain('action="/console/github/dead-letters/replay"');
    expect((await (await browser.go('/console/github?event=no_such_event')).text()).match(/No deliveries match/)).toBeTruthy();

    // One delivery from its row.
    const replayed = await browser.form(`/console/github/deliveries/${one.deliveryId}/replay`, [['csrf', csrfOf(page)]]);
    expect(location(replayed)).toBe('/console/github?done=replayed#deliveries');
    await waitForStatus(one.deliveryId, 'processed');
    expect(await (await browser.go(location(replayed))).text()).toContain('Replay requested');

    // A dead letter by its id.
    const letter = await browser.form('/console/github/dead-letters/replay', [
      ['csrf', csrfOf(page)],
      ['id', `dl-${two.deliveryId}`],
    ]);
    expect(location(letter)).toBe('/console/github?done=letters-replayed#dead-letters');
    await waitForStatus(two.deliveryId, 'processed');

    // The rest of the window; a missing start is refused without a call.
    const missing = await browser.form('/console/github/deliveries/replay', [['csrf', csrfOf(page)]]);
    expect(location(missing)).toBe('/console/github?done=replay-failed#deliveries');
    const window = await browser.form('/console/github/deliveries/replay', [
      ['csrf', csrfOf(page)],
      ['from', from],
    ]);
    expect(location(window)).toBe('/console/github?done=replayed#deliveries');
    await waitForStatus(three.deliveryId, 'processed');
  });

  it('a repository’s page, and a pull request or issue looked up by number', async () => {
    await runEvents([delivery('installation', installationCreated)]);
    const number = freshNumber();
    await runEvents([delivery('pull_request', pullRequest('opened', number))]);
    const admin = await registeredActor('human', ['admin']);
    const browser = await signedIn(admin.token);
    const repo = await browser.go('/console/github/repositories/chitty-labs/rocket');
    expect(repo.status).toBe(200);
    expect(await repo.text()).toContain('<h1>chitty-labs/rocket</h1>');
    const pr = await (await browser.go(`/console/github/repositories/chitty-labs/rocket?kind=pulls&number=${number}`)).text();
    expect(pr).toContain('headSha');
    const issue = await (await browser.go('/console/github/repositories/chitty-labs/rocket?kind=issues&number=999999')).text();
    expect(issue).toContain('Not shown:');
    expect((await browser.go('/console/github/repositories/chitty-labs/no-such-repo')).status).toBe(404);
  });

  it('to an operator without admin: the API’s refusals, and no action', async () => {
    const person = await registeredActor('human');
    const page = await (await (await signedIn(person.token)).go('/console/github')).text();
    expect(page.match(/Not shown: /g)?.length).toBe(4);
    // The only form that changes anything is signing out.
    expect(page.match(/method="post" action="[^"]+"/g)).toEqual(['method="post" action="/console/signout"']);
  });
});
