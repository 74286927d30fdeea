/**
 * The whole install loop, offline, as a browser walks it: our install link sets the state cookie
 * and sends the person to the App's install page on the emulated GitHub; "Install" there creates
 * the installation and sends them back to our callback with the state and an OAuth code; the
 * callback checks both and registers the installation in D1. Once with GitHub's real hosts (as in
 * production), once with `npm start`'s configuration (GITHUB_APP_URL on the `/_emulator` proxy).
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { direct } from '../helpers/worker';

/** The form of the install page: where it posts, and the state it carries back. */
function installForm(page: string): { action: string; state: string } {
  const form = /<form method="post" action="([^"]+)" class="account"><input type="hidden" name="state" value="([^"]*)">/.exec(page);
  return { action: form?.[1] ?? '', state: form?.[2] ?? '' };
}

const formBody = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual',
});

async function installationRow(login: string) {
  return env.DB.prepare('SELECT installation_id, chitty_id, repositories FROM installations WHERE account_login = ?')
    .bind(login)
    .first<{ installation_id: number; chitty_id: string; repositories: string }>();
}

/** Our install link: the state cookie to send back, and where it sent the browser. */
async function startInstall(bindings: Partial<Cloudflare.Env> = {}): Promise<{ cookie: string; next: URL }> {
  const res = await direct('/integrations/github/install', {}, bindings);
  expect(res.status).toBe(302);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '', next: new URL(res.headers.get('location') ?? '') };
}

async function expectInstalled(callback: Response, login: string): Promise<void> {
  expect(callback.status).toBe(200);
  const page = await callback.text();
  expect(page).toContain('ChittyConnect is installed');
  expect(page).toContain('confirmed by @chitty-dev'); // the OAuth code stood for the person who installed
  expect(page).toContain(`${login}/hello-world`);
  const row = await installationRow(login);
  expect(row?.chitty_id).toEqual(expect.any(String));
  expect(JSON.parse(row?.repositories ?? '[]')).toEqual([expect.objectContaining({ fullName: `${login}/hello-world` })]);
}

describe('install → emulated GitHub → callback', () => {
  it('with GitHub’s hosts: the install page, "Install", and back to the callback with state and cookie', async () => {
    const { cookie, next } = await startInstall({ GITHUB_APP_URL: 'https://github.com/apps/chittyconnect-dev' });
    expect(`${next.origin}${next.pathname}`).toBe('https://github.com/apps/chittyconnect-dev/installations/new');

    const installPage = await env.ECOSYSTEM.fetch(next.toString());
    expect(installPage.status).toBe(200);
    const form = installForm(await installPage.text());
    expect(form.state).toBe(next.searchParams.get('state'));

    const login = `org-${crypto.randomUUID().slice(0, 8)}`;
    expect(await installationRow(login)).toBeNull();
    const installed = await env.ECOSYSTEM.fetch(new URL(form.action, next).toString(), formBody({ state: form.state, account: login }));
    expect(installed.status).toBe(302);
    const back = new URL(installed.headers.get('location') ?? '', 'http://connect.test');
    expect(back.pathname).toBe('/integrations/github/callback');
    expect(back.searchParams.get('state')).toBe(form.state);

    await expectInstalled(await direct(`${back.pathname}${back.search}`, { headers: { cookie } }), login);
    // Without the cookie (another browser), the same link is refused: the state proves where it started.
    const replay = await direct(`${back.pathname}${back.search}`);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('state does not match');
  });

  it('with npm start’s settings: everything stays on the origin the browser used, through /_emulator', async () => {
    expect(env.GITHUB_APP_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_emulator\/github\.com\/apps\/chittyconnect-dev$/);
    const { cookie, next } = await startInstall();
    // A loopback GITHUB_APP_URL is taken on the request's own origin, whatever its port or name.
    expect(`${next.origin}${next.pathname}`).toBe('http://connect.test/_emulator/github.com/apps/chittyconnect-dev/installations/new');

    const installPage = await direct(`${next.pathname}${next.search}`);
    expect(installPage.status).toBe(200);
    const form = installForm(await installPage.text());
    const login = `org-${crypto.randomUUID().slice(0, 8)}`;
    const installed = await direct(new URL(form.action, next).pathname, formBody({ state: form.state, account: login }));
    expect(installed.status).toBe(200); // the proxy follows redirects: the page moves the browser on
    const link = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(await installed.text())?.[1]?.replaceAll('&amp;', '&') ?? '';
    expect(link.startsWith('/integrations/github/callback?')).toBe(true);

    await expectInstalled(await direct(link, { headers: { cookie } }), login);
  });
});
