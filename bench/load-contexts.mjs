// @ts-check
/**
 * Loads synthetic contexts straight into a local D1 state folder (wrangler d1 execute --file),
 * for the contexts benchmark: `count` contexts spread evenly over `owners` owners, the first owner
 * being `firstOwner` (a real, registered actor, so requests can be made as it). Rows go through
 * the same triggers as the API's (FTS index, labels). Ids are well-formed ChittyIDs in a range
 * the local authority never reaches (sequence ≥ 5000 with extension `B`).
 *
 *   node bench/load-contexts.mjs --persist-to DIR --from 0 --count 10000 --owners 100 --first-owner ID
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './lib.mjs';

const WORDS = ['rocket', 'garden', 'ledger', 'harbor', 'violet', 'summit', 'copper', 'lantern', 'meadow', 'quartz', 'saffron', 'tundra'];
const SYSTEMS = ['github', 'slack', 'notion', 'linear', 'jira'];
const TOOLS = ['vim', 'emacs', 'vscode', 'figma', 'excel'];

/** Sequence, entity, year-month for a synthetic id; the checksum is not needed by the API's shape check. */
function syntheticId(/** @type {number} */ n) {
  const seq = String(n).padStart(7, '0');
  // VV-G-LLL-SSSS-T-YM-C-X: spread n over the sequence and year-month fields, extension B.
  const ym = (Math.floor(n / 10000) % 36).toString(36).toUpperCase() + (n % 10).toString();
  return `01-E-ARC-${seq.slice(-4)}-CONTEXT-${ym}-0-B`;
}

const q = (/** @type {string} */ s) => `'${s.replace(/'/g, "''")}'`;

/** @param {{ persistTo: string, from: number, count: number, owners: number, firstOwner: string }} options */
export function loadContexts({ persistTo, from, count, owners, firstOwner }) {
  const dir = path.join(root, 'bench', '.tmp');
  mkdirSync(dir, { recursive: true });
  const ownerIds = Array.from({ length: owners }, (_, i) => (i === 0 ? firstOwner : `01-C-ACT-${String(9000 + i).slice(-4)}-ACTOR-Q1-0-B`));
  const perFile = 20_000;
  for (let start = from; start < from + count; start += perFile) {
    const lines = [];
    const end = Math.min(from + count, start + perFile);
    for (let batch = start; batch < end; batch += 250) {
      const values = [];
      for (let n = batch; n < Math.min(end, batch + 250); n++) {
        const owner = ownerIds[n % owners] ?? firstOwner;
        const created = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
        const w = WORDS[n % WORDS.length];
        const data = JSON.stringify([{ note: `${w} notes for item ${n}`, code: `k${n}z` }]);
        values.push(
          `(${q(syntheticId(n))}, ${q(`bench-${n}-${w}`)}, ${q(owner)}, ${q(data)}, ${q(JSON.stringify([SYSTEMS[n % 5]]))}, ${q(JSON.stringify([TOOLS[(n >> 1) % 5]]))}, 'active', 1, ${q(created)}, ${q(created)})`,
        );
      }
      lines.push(
        `INSERT INTO contexts (chitty_id, name, owner, data, systems, tools, status, version, created_at, updated_at) VALUES\n${values.join(',\n')};`,
      );
    }
    const file = path.join(dir, `contexts-${start}.sql`);
    writeFileSync(file, lines.join('\n'));
    execFileSync(
      path.join(root, 'node_modules', '.bin', 'wrangler'),
      ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--file', file, '--yes'],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
      },
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      'persist-to': { type: 'string' },
      from: { type: 'string', default: '0' },
      count: { type: 'string', default: '10000' },
      owners: { type: 'string', default: '100' },
      'first-owner': { type: 'string' },
    },
  });
  loadContexts({
    persistTo: values['persist-to'] ?? path.join(root, 'bench', '.tmp', 'state'),
    from: Number(values.from),
    count: Number(values.count),
    owners: Number(values.owners),
    firstOwner: values['first-owner'] ?? '01-C-ACT-0001-ACTOR-Q1-0-B',
  });
}
