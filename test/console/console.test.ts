/**
 * The operator console through the worker: sign-in through the emulated ChittyAuth opens a session
 * that is a delegation (console → the person), pages render data created through the API, what a
 * non-admin sees follows their scopes, every state-changing form needs the session's CSRF token,
 * and revoking from the console cuts the token and what was derived from it.
 */
import { describe, expect, it, vi } from 'vitest';
import { echoConnection } from '../connections/support';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { Browser, location } from '../helpers/browser';
import { clearFaults, setFault } from '../helpers/emulator';
import { waitForDelivery } from '../helpers/outbox';

/** A browser signed in to the console as `person`. */
async function signedIn(person: TestActor): Promise<Browser> {
  const browser = new Browser();
  const back = await browser.signInAt(await browser.go('/console/signin'), person.token);
  expect(back.status).toBe(302);
  expect(location(back)).toBe('/console/signin/done');
  const done = await browser.go('/console/signin/done');
  expect(done.status).toBe(303);
  expect(location(done)).toBe('/console');
  return browser;
}

const csrfOf = (html: string) => {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no CSRF field in:\n${html.slice(0, 2000)}`);
  return token;
};

interface Listed {
  tokenId: string;
  subject: string;
  state: string;
}
async function delegationsOf(person: TestActor): Promise<Listed[]> {
  const res = await call('/v1/delegations', person.token);
  expect(res.status).toBe(200);
  return ((await res.json()) as { delegations: Listed[] }).delegations;
}

describe('the console', () => {
  it('without a session offers the sign-in, under a strict CSP with no script at all', async () => {
    const res = await new Browser().go('/console');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('href="/console/signin"');
    expect(html).not.toMatch(/<script/i);
    const css = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1] ?? '';
    const sheet = await new Browser().go(css);
    expect(sheet.status).toBe(200);
    expect(sheet.headers.get('content-type')).toContain('text/css');
    expect(sheet.headers.get('cache-control')).toContain('immutable');
  });

  it('signing in opens a session that is a delegation to `console`; signing out revokes it', async () => {
    const person = await registeredActor('human');
    const browser = await signedIn(person);
    const overview = await browser.go('/console');
    expect(overview.status).toBe(200);
    const html = await overview.text();
    expect(html).toContain('<h1>Overview</h1>');
    const session = (await delegationsOf(person)).find((d) => d.subject === 'console');
    expect(session?.state).toBe('active');

    // The session cookie is HttpOnly, Secure, SameSite=Lax, host-only.
    const again = new Browser();
    const back = await again.signInAt(await again.go('/console/signin'), person.token);
    expect(back.status).toBe(302);
    const done = await again.go('/console/signin/done');
    const cookie = (done.headers as Headers & { getSetCookie(): string[] }).getSetCookie().find((l) => l.startsWith('__Host-cc-console='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);

    const out = await browser.form('/console/signout', [['csrf', csrfOf(html)]]);
    expect(out.status).toBe(303);
    expect((await delegationsOf(person)).find((d) => d.tokenId === session?.tokenId)?.state).toBe('revoked');
    const after = await browser.go('/console');
    expect(await after.text()).toContain('href="/console/signin"');
  });

  it('refuses a state-changing form without the CSRF token, with another token, or from another site', async () => {
    const person = await registeredActor('human');
    const browser = await signedIn(person);
    const html = await (await browser.go('/console')).text();
    const csrf = csrfOf(html);
    for (const [fields, headers] of [
      [[], {}],
      [[['csrf', 'csrf_0000']], {}],
      [[['csrf', csrf]], { 'sec-fetch-site': 'cross-site' }],
      [[['csrf', csrf]], { origin: 'https://evil.example' }],
    ] as [[string, string][], Record<string, string>][]) {
      const res = await browser.form('/console/signout', fields, headers);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('Nothing was changed');
    }
    // Still signed in: nothing happened.
    expect((await delegationsOf(person)).find((d) => d.subject === 'console')?.state).toBe('active');
    expect((await browser.go('/console')).status).toBe(200);
  });

  it('an operator without admin sees no admin figures; an admin sees the outbox and dead letters', async () => {
    const person = await registeredActor('human');
    const plain = await (await (await signedIn(person)).go('/console')).text();
    expect(plain).not.toContain('status ok">admin<');
    expect(plain).toMatch(/Outbox<\/h2>\s*<p class="muted">Not shown: /);
    expect(plain).toMatch(/Dead letters<\/h2>\s*<p class="muted">Not shown: /);
    // Nor an action the API would refuse them: no replay, no sweep.
    const github = await (await (await signedIn(person)).go('/console/github')).text();
    expect(github).not.toContain('action="/console/github/deliveries/replay"');
    expect(github).not.toContain('/replay"');
    expect(plain).not.toContain('action="/console/outbox/sweep"');

    const admin = await registeredActor('human', ['admin']);
    const page = await (await (await signedIn(admin)).go('/console')).text();
    expect(page).toContain('status ok">admin<');
    expect(page).toMatch(/Outbox<\/h2>\s*<p class="figure">\d+<\/p>/);
    expect(page).toContain('ChittyOS services');
    expect(page).toContain('GitHub deliveries per hour');
    const adminGithub = await (await (await signedIn(admin)).go('/console/github')).text();
    expect(adminGithub).toContain('action="/console/github/deliveries/replay"');
  });

  it('contexts: the list, a search and one context with its changes delivered', async () => {
    const person = await registeredActor('human');
    const name = `console-${crypto.randomUUID().slice(0, 8)}`;
    const created = await call('/v1/contexts/create', person.token, {
      method: 'POST',
      json: { name, data: [{ note: 'seen in the console' }] },
    });
    expect(created.status).toBe(201);
    const { chittyId } = (await created.json()) as { chittyId: string };
    await waitForDelivery([chittyId]);
    const browser = await signedIn(person);

    const list = await (await browser.go('/console/contexts')).text();
    expect(list).toContain(`href="/console/contexts/${chittyId}"`);
    const found = await (await browser.go(`/console/contexts?q=${name}`)).text();
    expect(found).toContain(name);
    const none = await (await browser.go('/console/contexts?q=zzzznothing')).text();
    expect(none).toContain('No context matches');

    const detail = await browser.go(`/console/contexts/${chittyId}`);
    expect(detail.status).toBe(200);
    const html = await detail.text();
    expect(html).toContain(`<h1>${name}</h1>`);
    expect(html).toContain('context.created');
    expect(html).toContain('status ok">delivered<');
    expect(html).toContain('seen in the console');

    // Another person's context is not theirs to see.
    const other = await registeredActor('human');
    const theirs = await (await signedIn(other)).go(`/console/contexts/${chittyId}`);
    expect(theirs.status).toBe(404);
  });

  it('connections: each with its health history and a check-now button that records a check', async () => {
    const person = await registeredActor('human');
    const connection = await echoConnection(person);
    const browser = await signedIn(person);
    const before = await (await browser.go('/console/connections')).text();
    expect(before).toContain(connection.connectionId);
    expect(before).toContain('no checks yet');
    const checked = await browser.form(`/console/connections/${connection.connectionId}/check`, [['csrf', csrfOf(before)]]);
    expect(checked.status).toBe(303);
    expect(location(checked)).toBe('/console/connections?done=checked');
    const after = await (await browser.go(location(checked))).text();
    expect(after).toContain('Checked: the target answered.');
    expect(after).toMatch(/<svg class="spark"[^>]*aria-label="Last 1 checks: 1 reachable, 0 failed; slowest \d+ ms\."/);
    expect(after).not.toContain('/console/connections/reencrypt');

    // An admin re-encrypts every stored credential under the current key from here.
    const admin = await registeredActor('human', ['admin']);
    await echoConnection(admin, { credentials: { token: 'sk_console_reencrypt' } });
    const asAdmin = await signedIn(admin);
    const page = await (await asAdmin.go('/console/connections')).text();
    expect(page).toContain('action="/console/connections/reencrypt"');
    const moved = await asAdmin.form('/console/connections/reencrypt', [['csrf', csrfOf(page)]]);
    expect(moved.status).toBe(200);
    expect(await moved.text()).toMatch(/Re-encrypted under key [\w.-]+: \d+ moved, \d+ already current\./);
  });

  it('a failure inside a page’s API reads is logged with the page’s own request id, and the page says what is missing', async () => {
    const person = await registeredActor('human');
    const created = await call('/v1/contexts/create', person.token, {
      method: 'POST',
      json: { name: `console-rid-${crypto.randomUUID().slice(0, 8)}` },
    });
    const { chittyId } = (await created.json()) as { chittyId: string };
    const browser = await signedIn(person);
    const warned = vi.spyOn(console, 'warn');
    await setFault('chronicle.chitty.cc', { mode: 'down' });
    try {
      const page = await browser.go(`/console/contexts/${chittyId}`, { headers: { 'x-request-id': 'console-page-rid-0001' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/Timeline \(ChittyChronicle\)<\/h2>\s*<p class="notice bad" role="alert">/);
    } finally {
      await clearFaults();
    }
    const failed = warned.mock.calls
      .map(([line]) => String(line))
      .filter((l) => l.includes('"request.failed"'))
      .map((l) => JSON.parse(l) as { requestId?: string; path: string });
    expect(failed).toContainEqual(
      expect.objectContaining({ path: `/v1/contexts/${chittyId}/timeline`, requestId: 'console-page-rid-0001' }),
    );
  });

  it('delegations: the tree, a confirmation naming what else is cut off, then the revoke', async () => {
    const person = await registeredActor('human');
    const issued = await call('/v1/delegate', person.token, {
      method: 'POST',
      json: { subject: 'agent-one', audience: 'chittyconnect', scopes: ['contexts:read', 'delegations:manage'], expiresIn: 3600 },
    });
    expect(issued.status).toBe(201);
    const parent = (await issued.json()) as { tokenId: string; token: string };
    const browser = await signedIn(person);

    const tree = await (await browser.go('/console/delegations')).text();
    expect(tree).toContain('agent-one');
    expect(tree).toContain('No AI agent is connected.');
    expect(tree).toContain(`/console/delegations/${parent.tokenId}/revoke`);
    const confirm = await (await browser.go(`/console/delegations/${parent.tokenId}/revoke`)).text();
    expect(confirm).toContain('Revoke the delegation to agent-one?');
    expect(confirm).toContain(parent.tokenId);

    const revoked = await browser.form(`/console/delegations/${parent.tokenId}/revoke`, [['csrf', csrfOf(confirm)]]);
    expect(revoked.status).toBe(303);
    expect(location(revoked)).toBe('/console/delegations?done=revoked');
    expect((await delegationsOf(person)).find((d) => d.tokenId === parent.tokenId)?.state).toBe('revoked');
    const check = await call('/v1/delegate/validate', person.token, { method: 'POST', json: { token: parent.token } });
    expect(((await check.json()) as { valid: boolean; reason: string }).reason).toBe('revoked');
  });
});
