// @ts-check
/**
 * Sends a correctly signed sample GitHub delivery to the local server, as GitHub would:
 *   npm run webhook -- <event[.action]> [fixture.json]
 * e.g. `npm run webhook -- pull_request.opened`. The fixture defaults to
 * test/fixtures/github/<event[.action]>.json; the secret is GITHUB_WEBHOOK_SECRET from .dev.vars.
 * PORT (default 8787) picks the server: the same PORT `npm start` was given (`PORT=8801 npm run webhook -- …`).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const [name, fixtureArg] = process.argv.slice(2);
if (!name) {
  console.error('Usage: npm run webhook -- <event[.action]> [fixture.json]   e.g. npm run webhook -- pull_request.opened');
  process.exit(2);
}
const fixture = fixtureArg ?? path.join(root, 'test', 'fixtures', 'github', `${name}.json`);
if (!existsSync(fixture)) {
  console.error(`No fixture at ${fixture}; pass one as the second argument.`);
  process.exit(2);
}
const vars = existsSync(path.join(root, '.dev.vars')) ? readFileSync(path.join(root, '.dev.vars'), 'utf8') : '';
const secret = /^GITHUB_WEBHOOK_SECRET=["']?([^"'\n]+)["']?$/m.exec(vars)?.[1];
if (!secret) {
  console.error('GITHUB_WEBHOOK_SECRET is not in .dev.vars: run `npm start` once to generate local secrets.');
  process.exit(1);
}
const body = readFileSync(fixture, 'utf8');
const event = name.split('.')[0] ?? name;
const deliveryId = randomUUID();
const port = Number(process.env.PORT ?? 8787);
const res = await fetch(`http://127.0.0.1:${port}/integrations/github/webhook`, {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    'user-agent': 'GitHub-Hookshot/local',
  },
  body,
}).catch(() => null);
if (!res) {
  console.error(`Nothing answers on port ${port}: start ChittyConnect with \`npm start\` first, or set PORT to the port it runs on.`);
  process.exit(1);
}
console.log(`${event} delivery ${deliveryId} → ${res.status} ${await res.text()}`);
process.exit(res.ok ? 0 : 1);
