// @ts-check
/**
 * Re-encrypts every connection's stored credentials under the current CREDENTIALS_ENCRYPTION_KEY,
 * after a key rotation (see docs/connections.md, "Rotating the key"). It calls the admin route
 * `POST /v1/admin/credentials/reencrypt` batch by batch, passing the cursor along, until the
 * worker says nothing remains, then prints what moved and what could not. Exit code 1 if any value
 * could not be re-encrypted (keep the previous key in CREDENTIALS_PREVIOUS_KEYS until it is 0).
 *
 *   node scripts/reencrypt-credentials.mjs --url https://connect.chitty.cc --token <admin bearer token> [--batch 50]
 *
 * The token is a bearer credential of an actor holding `admin` (a ChittyAuth token, or a
 * delegation token with the `admin` scope). The URL is used as given: nothing else is contacted.
 */

/**
 * @typedef {{ currentKeyId: string, reencrypted: number, alreadyCurrent: number,
 *   failed: { connectionId: string, reason: string }[], remaining: boolean, cursor: string | null }} Batch
 * @typedef {{ currentKeyId: string, reencrypted: number, alreadyCurrent: number,
 *   failed: { connectionId: string, reason: string }[], batches: number }} Totals
 */

/**
 * Runs batches until none remain.
 * @param {{ url: string, token: string, batch?: number, fetch?: typeof fetch, log?: (line: string) => void }} options
 * @returns {Promise<Totals>}
 */
export async function reencryptAll({ url, token, batch = 50, fetch: send = fetch, log = console.log }) {
  const endpoint = new URL('/v1/admin/credentials/reencrypt', url);
  /** @type {Totals} */
  const totals = { currentKeyId: '', reencrypted: 0, alreadyCurrent: 0, failed: [], batches: 0 };
  /** @type {string | null} */
  let cursor = null;
  for (;;) {
    const res = await send(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(cursor ? { limit: batch, cursor } : { limit: batch }),
    });
    if (!res.ok) throw new Error(`${endpoint} answered ${res.status}: ${await res.text()}`);
    const body = /** @type {Batch} */ (await res.json());
    totals.batches++;
    totals.currentKeyId = body.currentKeyId;
    totals.reencrypted += body.reencrypted;
    totals.alreadyCurrent += body.alreadyCurrent;
    totals.failed.push(...body.failed);
    log(`batch ${totals.batches}: ${body.reencrypted} re-encrypted, ${body.alreadyCurrent} already current, ${body.failed.length} failed`);
    if (!body.remaining || !body.cursor || body.cursor === cursor) return totals;
    cursor = body.cursor;
  }
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Record<string, string>} */
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i] ?? '';
    const value = argv[i + 1];
    if (!name.startsWith('--') || value === undefined) throw new Error(`expected --name value pairs, got "${name}"`);
    args[name.slice(2)] = value;
  }
  if (!args.url || !args.token)
    throw new Error('usage: node scripts/reencrypt-credentials.mjs --url <base URL> --token <admin token> [--batch 50]');
  const batch = Number(args.batch ?? 50);
  if (!Number.isInteger(batch) || batch < 1 || batch > 100) throw new Error('--batch must be an integer from 1 to 100');
  return { url: args.url, token: args.token, batch };
}

if (typeof process !== 'undefined' && process.argv?.[1] && import.meta.url === `file://${process.argv[1]}`) {
  try {
    const totals = await reencryptAll(parseArgs(process.argv.slice(2)));
    console.log(`done: ${totals.reencrypted} re-encrypted under "${totals.currentKeyId}", ${totals.alreadyCurrent} already current.`);
    if (totals.failed.length) {
      console.error(`${totals.failed.length} could not be re-encrypted:`);
      for (const f of totals.failed) console.error(`  ${f.connectionId}: ${f.reason}`);
      process.exitCode = 1;
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  }
}
