// @ts-check
/**
 * Creates a local actor through the running `npm start` (development only): a ChittyAuth principal
 * with a bearer token in the emulator, then registered with ChittyConnect under the given name, so
 * there is one id to use. Usage:
 *   npm run actor -- [human|ai|service|system] [capability,capability…] [display name]
 * Prints JSON: `chittyId` (the actor's ChittyID in ChittyConnect: delegate to it, look it up with
 * /v1/actors/{chittyId}), `token` (its bearer token), `principalId` (its ChittyAuth principal, which
 * is not an actor id), type, capabilities and name. PORT (default 8787) picks the server, as for
 * `npm start`.
 */
const [type = 'human', caps = '', ...name] = process.argv.slice(2);
const port = Number(process.env.PORT ?? 8787);
const base = `http://127.0.0.1:${port}`;
const displayName = name.length ? name.join(' ') : `Local ${type}`;

/** @param {string} path @param {RequestInit} init */
async function call(path, init) {
  const res = await fetch(`${base}${path}`, init).catch(() => null);
  if (!res) {
    console.error(`Nothing answers on port ${port}: start ChittyConnect with \`npm start\` first (or set PORT to its port).`);
    process.exit(1);
  }
  return { status: res.status, ok: res.ok, text: await res.text() };
}

const created = await call('/_emulator/actors', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ type, capabilities: caps ? caps.split(',') : [], displayName }),
});
if (!created.ok) {
  console.error(`The emulator refused (${created.status}): ${created.text}`);
  process.exit(1);
}
/** @type {{ chittyId: string, token: string, type: string, capabilities: string[] }} */
const principal = JSON.parse(created.text);
const register = `curl -s -X POST -H "Authorization: Bearer ${principal.token}" -H 'content-type: application/json' -d '${JSON.stringify({ displayName }).replace(/'/g, "'\\''")}' ${base}/v1/actors/register`;

const registered = await call('/v1/actors/register', {
  method: 'POST',
  headers: { authorization: `Bearer ${principal.token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ displayName }),
});
if (!registered.ok) {
  console.log(JSON.stringify({ chittyId: null, principalId: principal.chittyId, token: principal.token, register }, null, 2));
  console.error(`Registration failed (${registered.status}): ${registered.text}\nThe token works; register later with the command above.`);
  process.exit(1);
}
/** @type {{ chittyId: string }} */
const actor = JSON.parse(registered.text);
console.log(
  JSON.stringify(
    {
      chittyId: actor.chittyId,
      token: principal.token,
      principalId: principal.chittyId,
      type: principal.type,
      capabilities: principal.capabilities,
      displayName,
    },
    null,
    2,
  ),
);
console.error('chittyId is the actor in ChittyConnect: delegate to it. principalId is only its ChittyAuth login.');
