/**
 * The emulated GitHub's web pages for the App (`github.*`): its public page, the install page that
 * lists the accounts, and the "Install" step that creates or reuses an installation and sends the
 * person to the App's setup URL with the state and an OAuth code. Driven over the ECOSYSTEM binding
 * like a browser on github.com, and through `/_emulator/github.com/…` like a browser under `npm start`.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { control } from '../helpers/github';
import { direct } from '../helpers/worker';

const APP_PAGE = 'https://github.com/apps/chittyconnect-dev';

function browse(url: string, init: RequestInit = {}): Promise<Response> {
  return env.ECOSYSTEM.fetch(url, { redirect: 'manual', ...init });
}

function install(form: Record<string, string>): Promise<Response> {
  return browse(`${APP_PAGE}/installations/new`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

const freshLogin = () => `org-${crypto.randomUUID().slice(0, 8)}`;

describe('the App pages on the emulated github.com', () => {
  it('the App page links to its install page; another slug is a 404 page', async () => {
    const res = await browse(APP_PAGE);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const page = await res.text();
    expect(page).toContain('ChittyConnect (dev)');
    const href = /<a href="([^"]+)">Install<\/a>/.exec(page)?.[1] ?? '';
    expect(new URL(href, APP_PAGE).toString()).toBe(`${APP_PAGE}/installations/new`);
    expect((await browse('https://github.com/apps/someone-else')).status).toBe(404);
    expect((await browse('https://github.com/apps/someone-else/installations/new')).status).toBe(404);
  });

  it('the install page lists the accounts with their repositories, and carries the state in each form', async () => {
    const res = await browse(`${APP_PAGE}/installations/new?state=${encodeURIComponent('s-1"<x>')}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('chitty-labs'); // the seeded installation 41001
    expect(page).toContain('chitty-labs/rocket');
    expect(page).toContain('update installation 41001');
    expect(page).toContain('chitty-dev/hello-world'); // the developer's own account, not installed yet
    expect(page).toContain('value="s-1&quot;&lt;x&gt;"'); // the state is escaped, never markup
    expect(page).not.toContain('<x>');
    expect(page).toMatch(/<form method="post" action="new">/);
  });

  it('"Install" on a new account creates an installation and redirects to the setup URL with state and code', async () => {
    const login = freshLogin();
    const res = await install({ account: login, state: 'st-1' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location') ?? '';
    expect(location.startsWith('/integrations/github/callback?')).toBe(true);
    const query = new URL(location, 'http://connect.test').searchParams;
    expect(query.get('setup_action')).toBe('install');
    expect(query.get('state')).toBe('st-1');
    const id = Number(query.get('installation_id'));
    expect(id).toBeGreaterThan(0);
    expect(await res.text()).toContain(`href="${location.replaceAll('&', '&amp;')}"`); // a link for clients that do not follow

    // The code is a real OAuth code: it exchanges for a user who can manage the new installation.
    const exchange = await browse('https://github.com/login/oauth/access_token', {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: env.GITHUB_CLIENT_ID, client_secret: env.GITHUB_CLIENT_SECRET, code: query.get('code') }),
    });
    const { access_token: token } = (await exchange.json()) as { access_token: string };
    const mine = await browse('https://api.github.com/user/installations', { headers: { authorization: `token ${token}` } });
    const { installations } = (await mine.json()) as { installations: { id: number; account: { login: string } }[] };
    expect(installations.find((i) => i.id === id)?.account.login).toBe(login);

    // The installation page now offers the account's installation; installing again reuses it.
    expect(await (await browse(`${APP_PAGE}/installations/new`)).text()).toContain(`${login}/hello-world`);
    const again = await install({ account: login });
    const second = new URL(again.headers.get('location') ?? '', 'http://connect.test').searchParams;
    expect(second.get('installation_id')).toBe(String(id));
    expect(second.get('setup_action')).toBe('update');
    expect(second.has('state')).toBe(false);
  });

  it('an account that is not a GitHub login is refused and nothing is installed', async () => {
    const installations = async () => (await control<{ gh_installations: unknown[] }>('GET', '/state/github')).gh_installations.length;
    const before = await installations();
    const res = await install({ account: '<bad login>', state: 'x' });
    expect(res.status).toBe(422);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).not.toContain('<bad login>');
    expect(await installations()).toBe(before);
  });

  it('under npm start the same pages answer at /_emulator/github.com/… on the main worker', async () => {
    const res = await direct('/_emulator/github.com/apps/chittyconnect-dev/installations/new?state=abc');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('value="abc"');
    const login = freshLogin();
    const posted = await direct('/_emulator/github.com/apps/chittyconnect-dev/installations/new', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ account: login, state: 'abc' }).toString(),
    });
    // The proxy follows redirects itself, so the redirect arrives as its page, which moves the
    // browser on (meta refresh, and a link) to a path: it stays on the origin it came from.
    expect(posted.status).toBe(200);
    const html = await posted.text();
    const link = /<a href="([^"]+)">Continue/.exec(html)?.[1] ?? '';
    expect(html).toContain(`<meta http-equiv="refresh" content="0;url=${link}">`);
    expect(link.replaceAll('&amp;', '&')).toMatch(
      /^\/integrations\/github\/callback\?installation_id=\d+&setup_action=install&state=abc&code=/,
    );
  });
});
