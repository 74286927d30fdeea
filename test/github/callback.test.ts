/**
 * The App's setup callback through the worker and the emulated GitHub: an install registers the
 * installation (ChittyID, DNA, D1 row, cached token, one Chronicle entry) and renders a page; a
 * replay duplicates nothing; forged ids, missing ids, state mismatches and other people's
 * installations are refused with a clear page.
 */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import installationCreated from '../fixtures/github/installation.created.json';
import { clearFaults, requestsTo, serviceAuth, setFault } from '../helpers/emulator';
import { control, delivery, runEvents } from '../helpers/github';
import { direct } from '../helpers/worker';

afterEach(clearFaults);

const auth = serviceAuth('chronicle');

/** A new installation of the App in the emulated GitHub, on its own account. */
async function newInstallation(): Promise<{ id: number; login: string }> {
  const login = `org-${crypto.randomUUID().slice(0, 8)}`;
  const inst = await control<{ id: number }>('POST', '/github/installations', {
    account: { login, type: 'Organization' },
    repositories: [{ full_name: `${login}/alpha` }, { full_name: `${login}/beta` }],
    repositorySelection: 'selected',
  });
  return { id: inst.id, login };
}

function callback(query: string, headers: Record<string, string> = {}): Promise<Response> {
  return direct(`/integrations/github/callback?${query}`, { headers });
}

async function row(installationId: number) {
  return env.DB.prepare('SELECT chitty_id, dna_id, account_login, repositories FROM installations WHERE installation_id = ?')
    .bind(installationId)
    .first<{ chitty_id: string; dna_id: string; account_login: string; repositories: string }>();
}

async function installedEvents(chittyId: string): Promise<number> {
  const res = await env.ECOSYSTEM.fetch(`https://chronicle.chitty.cc/v1/timeline/${chittyId}?limit=100`, { headers: auth });
  const { events } = (await res.json()) as { events: { eventType: string }[] };
  return events.filter((e) => e.eventType === 'github.app.installed').length;
}

describe('GET /integrations/github/callback', () => {
  it('install: registers the installation and renders a success page; a replay duplicates nothing', async () => {
    const { id, login } = await newInstallation();
    const res = await callback(`installation_id=${id}&setup_action=install`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toContain('ChittyConnect is installed');
    expect(page).not.toContain(login); // no user confirmed by GitHub: the page tells nothing about the installation

    const first = await row(id);
    expect(first).toMatchObject({
      account_login: login,
      chitty_id: expect.stringMatching(/-CONTEXT-|CONTEXT/),
      dna_id: expect.any(String),
    });
    expect(JSON.parse(first?.repositories ?? '[]')).toHaveLength(2);
    expect(page).not.toContain(first?.chitty_id as string);
    expect(await installedEvents(first?.chitty_id as string)).toBe(1);
    const cached = await env.TOKEN_KV.get(`ghtoken:${id}`); // cached below GitHub's 1 h, encrypted
    expect(JSON.parse(cached ?? '{}')).toMatchObject({ v: 1, alg: 'A256GCM', kid: expect.any(String) });
    expect(cached).not.toContain('ghs_');

    const callsBefore = (await requestsTo({})).length;
    const again = await callback(`installation_id=${id}&setup_action=install`);
    expect(again.status).toBe(200);
    expect(await row(id)).toMatchObject({ chitty_id: first?.chitty_id, dna_id: first?.dna_id });
    expect(await installedEvents(first?.chitty_id as string)).toBe(1);
    // A replay of a registered installation costs no outbound call (so anyone replaying it costs us nothing).
    expect((await requestsTo({})).slice(callsBefore).filter((r) => r.host !== 'chronicle.chitty.cc')).toEqual([]);

    // The installation webhook arriving afterwards finds everything in place.
    const created = {
      ...installationCreated,
      installation: { ...installationCreated.installation, id, account: { ...installationCreated.installation.account, login } },
    };
    expect((await runEvents([delivery('installation', created)])).explicitAcks).toHaveLength(1);
    expect((await row(id))?.chitty_id).toBe(first?.chitty_id);
    expect(await installedEvents(first?.chitty_id as string)).toBe(1);
  });

  it('a forged or unknown installation id is refused, and nothing is recorded', async () => {
    const res = await callback('installation_id=987654321&setup_action=install');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Unknown installation');
    expect(await row(987654321)).toBeNull();
    expect((await callback('setup_action=install')).status).toBe(400);
    expect((await callback('installation_id=12abc')).status).toBe(400);
    const html = await (await callback('installation_id=<script>')).text();
    expect(html).not.toContain('<script>');
  });

  it('setup_action=request (an org owner must approve) renders a page and records nothing', async () => {
    const res = await callback('setup_action=request');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Installation requested');
  });

  it('GitHub or ChittyOS unreachable → a retry page (502/503)', async () => {
    const { id } = await newInstallation();
    await setFault('api.github.com', { mode: 'error', status: 503 });
    expect((await callback(`installation_id=${id}`)).status).toBe(502);
    await clearFaults();
    await setFault('id.chitty.cc', { mode: 'error', status: 503 });
    const res = await callback(`installation_id=${id}`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('ChittyOS could not be reached');
  });

  describe('with user authorization (OAuth code + state)', () => {
    const appUrl = { GITHUB_APP_URL: 'https://github.com/apps/chittyconnect-dev' };

    /** Starts an install here: the signed state cookie and the state GitHub will hand back. */
    async function start(): Promise<{ cookie: string; state: string }> {
      const res = await direct('/integrations/github/install', {}, appUrl);
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.origin + location.pathname).toBe('https://github.com/apps/chittyconnect-dev/installations/new');
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
      return { cookie, state: location.searchParams.get('state') ?? '' };
    }

    it('a user who can manage the installation confirms it', async () => {
      const { id } = await newInstallation();
      const { cookie, state } = await start();
      const { code } = await control<{ code: string }>('POST', '/github/oauth-codes', { login: 'ada', installationIds: [id] });
      const res = await callback(`installation_id=${id}&setup_action=install&code=${code}&state=${state}`, { cookie });
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain('confirmed by @ada');
      expect(page).toContain(`${(await row(id))?.account_login}/alpha`); // a confirmed user sees the details
      expect(res.headers.get('set-cookie')).toMatch(/^gh_install_state=; Max-Age=0/); // the state is single use
      // The code is single use.
      const reused = await callback(`installation_id=${id}&setup_action=install&code=${code}&state=${state}`, { cookie });
      expect(reused.status).toBe(400);
    });

    it('a state that does not match the cookie, or another person’s installation, is refused', async () => {
      const { id } = await newInstallation();
      const { cookie, state } = await start();
      const { code } = await control<{ code: string }>('POST', '/github/oauth-codes', { login: 'mallory', installationIds: [] });
      const noCookie = await callback(`installation_id=${id}&code=${code}&state=${state}`);
      expect(noCookie.status).toBe(400);
      expect(await noCookie.text()).toContain('state does not match');
      const wrongState = await callback(`installation_id=${id}&code=${code}&state=other`, { cookie });
      expect(wrongState.status).toBe(400);
      const notTheirs = await callback(`installation_id=${id}&code=${code}&state=${state}`, { cookie });
      expect(notTheirs.status).toBe(403);
      expect(await notTheirs.text()).toContain('@mallory');
      expect(await row(id)).toBeNull();
    });

    it('a suspended installation confirmed again keeps the repositories stored for it', async () => {
      const { id, login } = await newInstallation();
      expect((await callback(`installation_id=${id}&setup_action=install`)).status).toBe(200);
      expect(JSON.parse((await row(id))?.repositories ?? '[]')).toHaveLength(2);
      // Suspended on GitHub: its token can no longer list repositories.
      await control('POST', '/github/installations', { id, account: { login, type: 'Organization' }, suspended: true });
      const { cookie, state } = await start();
      const { code } = await control<{ code: string }>('POST', '/github/oauth-codes', { login: 'ada', installationIds: [id] });
      const res = await callback(`installation_id=${id}&setup_action=update&code=${code}&state=${state}`, { cookie });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('The installation is suspended');
      expect(JSON.parse((await row(id))?.repositories ?? '[]')).toHaveLength(2);
    });

    it('without GITHUB_APP_URL the install link says what to set', async () => {
      const res = await direct('/integrations/github/install', {}, { GITHUB_APP_URL: '' });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('GITHUB_APP_URL');
    });
  });
});
