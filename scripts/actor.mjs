// @ts-check
/**
 * Creates a local actor and a bearer token for it in the emulator's ChittyAuth, through the
 * running `npm start` (development only). Usage:
 *   npm run actor -- [human|ai|service|system] [capability,capability…] [display name]
 */
const [type = 'human', caps = '', ...name] = process.argv.slice(2);
const port = Number(process.env.PORT ?? 8787);
const res = await fetch(`http://127.0.0.1:${port}/_emulator/actors`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    type,
    capabilities: caps ? caps.split(',') : [],
    displayName: name.length ? name.join(' ') : `Local ${type}`,
  }),
}).catch(() => null);
if (!res) {
  console.error(`Nothing answers on port ${port}: start ChittyConnect with \`npm start\` first.`);
  process.exit(1);
}
const body = await res.text();
if (!res.ok) {
  console.error(`The emulator refused (${res.status}): ${body}`);
  process.exit(1);
}
console.log(body);
