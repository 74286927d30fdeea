// @ts-check
/**
 * The operator console and the API reference in real Chromium (Debian's `chromium`, driven by
 * playwright-core), against `npm start` on its own port with a fresh local state:
 *   npm run test:browser            (SCREENSHOTS=1 also writes docs/screenshots/*.png)
 *
 * Everything the pages show is created through the API first. Every request the browser makes is
 * recorded: none may leave the machine. Each view passes axe-core with no serious or critical
 * violation (axe is injected through the DevTools protocol, which the pages' CSP does not govern).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { emulatedActor, startServer } from '../../bench/lib.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const port = Number(process.env.BROWSER_TEST_PORT ?? 8831);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshots = process.env.SCREENSHOTS === '1';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** @type {string} */ let url;
/** @type {() => void} */ let stopServer = () => {};
/** @type {import('playwright-core').Browser} */ let browser;
/** @type {string[]} */ const offMachine = [];
const state = mkdtempSync(path.join(os.tmpdir(), 'chittyconnect-browser-'));

before(async () => {
  const server = await startServer(port, [
    '--persist-to',
    state,
    // A failing delivery settles `failed` in seconds: queue retries without waiting, GitHub retries in ms.
    '--var',
    'QUEUE_RETRY_BASE_SECONDS:0',
    '--var',
    'GITHUB_RETRY_UNIT_MS:10',
  ]);
  url = server.url;
  stopServer = server.stop;
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  stopServer();
  rmSync(state, { recursive: true, force: true });
  assert.deepEqual(offMachine, [], 'requests left the machine');
});

/** A browser context that records where every request goes. */
async function newContext() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.on('request', (request) => {
    const { hostname, protocol } = new URL(request.url());
    if (protocol === 'data:' || protocol === 'about:') return;
    if (!['127.0.0.1', 'localhost'].includes(hostname)) offMachine.push(request.url());
  });
  return context;
}

/**
 * JSON API call with a bearer token.
 * @param {string} method @param {string} pathname @param {string} token @param {unknown} [body]
 * @returns {Promise<{status: number, body: any}>} any: each caller reads the fields its route answers
 */
async function api(method, pathname, token, body) {
  const res = await fetch(`${url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A registered person with `capabilities`, known to the emulated ChittyAuth. */
/** @param {string[]} [capabilities] */
async function person(capabilities = []) {
  const { token } = await emulatedActor(url, { type: 'human', capabilities });
  const registered = await api('POST', '/v1/actors/register', token);
  assert.ok([200, 201].includes(registered.status), JSON.stringify(registered));
  return { token, chittyId: /** @type {string} */ (registered.body.chittyId) };
}

/** Signs in to the console through the emulated ChittyAuth's page; returns the page on the overview. */
/** @param {import('playwright-core').BrowserContext} context @param {string} token */
async function signIn(context, token) {
  const page = await context.newPage();
  await page.goto(`${url}/console`);
  await page.getByRole('link', { name: 'Sign in with ChittyAuth' }).click();
  await page.getByLabel(/Emulated ChittyAuth token/).fill(token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${url}/console`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Overview');
  return page;
}

/** axe-core over the page: no serious or critical violation. */
/** @param {import('playwright-core').Page} page @param {string} what */
async function accessible(page, what) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Runtime.evaluate', { expression: axeSource });
  const { result } = await cdp.send('Runtime.evaluate', {
    expression:
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => JSON.stringify(r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }))))',
    awaitPromise: true,
    returnByValue: true,
  });
  /** @type {{id: string, impact: string, nodes: string[]}[]} */
  const all = JSON.parse(result.value);
  const violations = all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(violations, [], `${what}: accessibility violations`);
}

/** @param {import('playwright-core').Page} page @param {string} name */
async function shoot(page, name) {
  if (!screenshots) return;
  mkdirSync(path.join(root, 'docs/screenshots'), { recursive: true });
  await page.screenshot({ path: path.join(root, 'docs/screenshots', `${name}.png`), fullPage: true });
}

/** The emulator's control surface (faults), through npm start's proxy. */
/** @param {string} host @param {Record<string, unknown> | null} body */
async function fault(host, body) {
  const res = await fetch(`${url}/_emulator/faults/${host}`, {
    method: body ? 'PUT' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `fault ${host}: ${res.status}`);
}

/** Sends a signed sample delivery with `npm run webhook`; returns its delivery id. */
/** @param {string} name */
function webhook(name) {
  const sent = spawnSync('node', ['scripts/webhook.mjs', name], {
    cwd: root,
    env: { ...process.env, PORT: String(port) },
    encoding: 'utf8',
  });
  assert.equal(sent.status, 0, sent.stderr);
  const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(sent.stdout + sent.stderr)?.[0];
  assert.ok(id, `no delivery id in: ${sent.stdout}${sent.stderr}`);
  return id;
}

/**
 * @template T
 * @param {string} what @param {() => Promise<T>} check
 * @returns {Promise<T>}
 */
async function until(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('the operator console', () => {
  it('an admin signs in and every view renders what the API holds', async () => {
    const admin = await person(['admin']);
    const created = await api('POST', '/v1/contexts/create', admin.token, { name: 'browser-rocket', data: [{ note: 'fuel mix' }] });
    assert.equal(created.status, 201);
    const connection = await api('POST', '/v1/connections', admin.token, {
      source: { type: 'actor', id: admin.chittyId },
      target: { service: 'http', endpoint: 'https://echo.partner.test/v1' },
      credentials: { token: 'sk_browser_test' },
    });
    assert.equal(connection.status, 201, JSON.stringify(connection.body));
    const context = await newContext();
    const page = await signIn(context, admin.token);
    await page.getByRole('heading', { name: 'ChittyOS services' }).waitFor();
    assert.equal(await page.locator('header .who .status').textContent(), 'admin');
    await accessible(page, 'overview');
    await shoot(page, 'overview');

    await page.getByRole('link', { name: 'Contexts' }).click();
    await page.getByRole('link', { name: 'browser-rocket' }).click();
    await page.getByRole('heading', { name: 'browser-rocket' }).waitFor();
    await until('the context delivered', async () => {
      await page.reload();
      return (await page.getByText('delivered', { exact: true }).count()) > 0;
    });
    await accessible(page, 'context');
    await shoot(page, 'context');
    await page.goto(`${url}/console/contexts?q=fuel`);
    assert.equal(await page.getByRole('link', { name: 'browser-rocket' }).count(), 1);
    await accessible(page, 'contexts');

    // Check a connection now, from its row: its health history gets a bar.
    await page.goto(`${url}/console/connections`);
    await page.getByRole('row').filter({ hasText: connection.body.connectionId }).getByRole('button', { name: 'Check now' }).click();
    await page.getByText('Checked: the target answered.').waitFor();
    assert.equal(await page.locator('svg.spark').count(), 1);
    for (const [name, heading] of /** @type {const} */ ([
      ['connections', 'Connections'],
      ['delegations', 'Delegations'],
      ['github', 'GitHub'],
    ])) {
      await page.goto(`${url}/console/${name}`);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), heading);
      await accessible(page, name);
      await shoot(page, name);
    }
    // The session itself is in the tree.
    await page.goto(`${url}/console/delegations`);
    assert.ok((await page.getByText('This console session.').count()) === 1);
    await context.close();
  });

  it('replays a failed delivery from the console and shows it processed', async () => {
    const admin = await person(['admin']);
    await fault('api.github.com', { mode: 'error', status: 500 });
    const delivery = webhook('pull_request.opened');
    // Failed for good: every retry spent and the message dead-lettered (a delivery reads `failed`
    // between retries too, and a retry after the fault is lifted would succeed on its own).
    const failed = await until('the delivery to fail for good', async () => {
      const letters = await api('GET', '/v1/admin/dead-letters?limit=500', admin.token);
      if (!JSON.stringify(letters.body).includes(delivery)) return undefined;
      const listed = await api('GET', '/v1/github/deliveries?status=failed', admin.token);
      return listed.body.deliveries.find((/** @type {{deliveryId: string}} */ d) => d.deliveryId === delivery);
    });
    assert.ok(failed.lastError);
    await fault('api.github.com', null);

    const context = await newContext();
    const page = await signIn(context, admin.token);
    await page.goto(`${url}/console/github?status=failed`);
    const row = page.getByRole('row').filter({ hasText: delivery });
    await row.getByRole('button', { name: 'Replay' }).click();
    await page.getByText('Replay requested').waitFor();
    await until('the replayed delivery processed', async () => {
      await page.goto(`${url}/console/github?status=processed`);
      return (await page.getByRole('row').filter({ hasText: delivery }).count()) === 1;
    });
    // With a failure and a replay behind it, the overview's chart and the GitHub view have something to show.
    await shoot(page, 'github');
    await page.goto(`${url}/console`);
    await shoot(page, 'overview');
    await context.close();
  });

  it('revoking a delegation in the console cuts off the token derived from it', async () => {
    const alice = await person();
    const bob = await person();
    const parent = await api('POST', '/v1/delegate', alice.token, {
      subject: bob.chittyId,
      audience: 'chittyconnect',
      scopes: ['contexts:read', 'delegations:manage'],
      expiresIn: 3600,
    });
    assert.equal(parent.status, 201);
    const child = await api('POST', '/v1/delegate', bob.token, {
      parentToken: parent.body.token,
      subject: 'agent-of-bob',
      audience: 'chittyconnect',
      scopes: ['contexts:read'],
    });
    assert.equal(child.status, 201, JSON.stringify(child.body));
    assert.equal((await api('GET', '/v1/contexts/list', child.body.token)).status, 200);

    const context = await newContext();
    const page = await signIn(context, alice.token);
    await page.goto(`${url}/console/delegations`);
    await page.getByRole('link', { name: 'Revoke…' }).first().waitFor();
    await page.goto(`${url}/console/delegations/${parent.body.tokenId}/revoke`);
    // The confirmation names the child it will also cut off.
    assert.ok((await page.getByText(child.body.tokenId).count()) > 0);
    await accessible(page, 'revoke confirmation');
    await shoot(page, 'revoke');
    await page.getByRole('button', { name: /^Revoke/ }).click();
    await page.getByText('Revoked.').waitFor();
    assert.equal((await api('GET', '/v1/contexts/list', child.body.token)).status, 401);
    await context.close();
  });

  it('refuses a form post without the CSRF token, and shows no admin action to an operator without admin', async () => {
    const plain = await person();
    const context = await newContext();
    const page = await signIn(context, plain.token);
    // The browser's own cookies, a same-origin POST, no token.
    const refused = await context.request.post(`${url}/console/signout`, { form: {}, headers: { origin: url } });
    assert.equal(refused.status(), 403);
    await page.reload();
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Overview');
    assert.equal(await page.locator('header .who .status').count(), 0, 'no admin badge');
    assert.ok((await page.getByText(/Not shown:/).count()) >= 2);
    assert.equal(await page.getByRole('button', { name: 'Send them again now' }).count(), 0);
    await page.goto(`${url}/console/github`);
    assert.equal(await page.getByRole('button', { name: /Replay/ }).count(), 0);
    await accessible(page, 'github without admin');
    await context.close();
  });
});

describe('the API reference', () => {
  it('loads from this machine alone, grouped by tag, with a filter', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${url}/docs`);
    await page.locator('.opblock-tag').first().waitFor();
    assert.ok((await page.locator('.opblock-tag').count()) >= 5);
    await page.locator('input.operation-filter-input').fill('revoke');
    await until('the filter applied', async () => (await page.locator('.opblock').count()) <= 3);
    await shoot(page, 'api-reference');
    await context.close();
  });
});
