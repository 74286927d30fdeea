// @ts-check
/**
 * The console's first load: what a browser fetches to show the overview, signed in, on a cold
 * cache, and how much that is gzipped (as Cloudflare serves it; `wrangler dev` sends it
 * uncompressed, so each body is gzipped here at level 6). The API reference (/docs) is measured
 * the same way beside it, for information. Target (issue 13): the overview under 200 KB gzipped.
 *
 *   node bench/console.mjs
 * Results: bench/results/console.md. Needs Chromium (/usr/bin/chromium, or CHROMIUM_PATH).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { emulatedActor, machine, root, startServer, writeResults } from './lib.mjs';

const port = 8797;
const state = mkdtempSync(path.join(os.tmpdir(), 'chittyconnect-bench-console-'));
process.on('exit', () => rmSync(state, { recursive: true, force: true }));
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const { url, stop } = await startServer(port, ['--persist-to', state]);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });

/**
 * Loads `target` in a fresh page of `context` and lists what it fetched.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} target
 */
async function firstLoad(context, target) {
  /** @type {{url: string, type: string, bytes: number, gzip: number}[]} */
  const fetched = [];
  const page = await context.newPage();
  /** @type {Promise<void>[]} */
  const pending = [];
  page.on('response', (response) => {
    pending.push(
      response
        .body()
        .then((body) => {
          fetched.push({
            url: new URL(response.url()).pathname,
            type: (response.headers()['content-type'] ?? '').split(';')[0] ?? '',
            bytes: body.byteLength,
            gzip: gzipSync(body, { level: 6 }).byteLength,
          });
        })
        .catch(() => {}),
    );
  });
  await page.goto(target, { waitUntil: 'networkidle' });
  await Promise.all(pending);
  await page.close();
  return fetched;
}

try {
  const { token } = await emulatedActor(url, { type: 'human', capabilities: ['admin'] });
  await fetch(`${url}/v1/actors/register`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const context = await browser.newContext();
  // Sign in (not measured), then clear the cache: the overview's first load is what counts.
  const signIn = await context.newPage();
  await signIn.goto(`${url}/console/signin`);
  await signIn.getByLabel(/Emulated ChittyAuth token/).fill(token);
  await signIn.getByRole('button', { name: 'Sign in', exact: true }).click();
  await signIn.waitForURL(`${url}/console`);
  await signIn.close();
  const cdp = await context.newCDPSession(await context.newPage());
  await cdp.send('Network.clearBrowserCache');

  const overview = await firstLoad(context, `${url}/console`);
  const docs = await firstLoad(context, `${url}/docs`);
  const total = (/** @type {{bytes: number, gzip: number}[]} */ list) => ({
    bytes: list.reduce((n, f) => n + f.bytes, 0),
    gzip: list.reduce((n, f) => n + f.gzip, 0),
  });
  const kb = (/** @type {number} */ n) => (n / 1024).toFixed(1);
  const table = (/** @type {{url: string, type: string, bytes: number, gzip: number}[]} */ list) =>
    [
      '| request | type | bytes | gzip bytes |',
      '| --- | --- | --- | --- |',
      ...list.map((f) => `| \`${f.url}\` | ${f.type} | ${f.bytes} | ${f.gzip} |`),
    ].join('\n');
  const o = total(overview);
  const d = total(docs);
  const md = `# The console's first load

- Date: ${new Date().toISOString()}
- Machine: ${machine()}
- Code: commit ${commit}
- Command: \`node bench/console.mjs\` (starts \`npm start\` itself on port ${port}, fresh local state; Chromium ${browser.version()} via playwright-core)
- Method: an admin signs in through the emulated ChittyAuth; the browser cache is cleared; the overview
  (\`/console\`) is loaded until the network is idle, and every response is recorded. Each body is
  gzipped here (level 6), as Cloudflare compresses text at the edge (\`wrangler dev\` does not). The same
  for the API reference (\`/docs\`), for information.

## Overview: ${overview.length} requests, ${kb(o.bytes)} KB, **${kb(o.gzip)} KB gzipped**

${table(overview)}

Target (issue 13): under 200 KB gzipped — **${o.gzip < 200 * 1024 ? 'met' : 'not met'}**. The console is server-rendered with
no script: the page and one stylesheet (cached for a year under its content hash), the chart inline SVG.

## API reference (/docs): ${docs.length} requests, ${kb(d.bytes)} KB, ${kb(d.gzip)} KB gzipped

${table(docs)}
`;
  writeResults('console.md', md);
  console.log(md);
} finally {
  await browser.close();
  stop();
}
