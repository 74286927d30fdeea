/** Connections: each with its health (last check, errors), usage and credential key; check now. */
import type { Answer } from '../api';
import { actionForm, badge, each, type Html, h, nothing, when } from '../html';

export interface ConnectionView {
  connectionId: string;
  source: { type: string; id: string };
  target: { service: string; endpoint: string | null };
  type: string;
  status: string;
  hasCredentials: boolean;
  credentialsKeyId: string | null;
  health: { lastCheckAt: string | null; errorCount: number };
  usage: { requestCount: number; lastUsedAt: string | null };
  createdAt: string;
}

export interface CheckView {
  checkedAt: string;
  reachable: boolean;
  latencyMs: number;
  httpStatus: number | null;
  reason: string | null;
}

/** The last checks, oldest to newest: a bar per check, its height the latency, failures in red. */
export function healthChart(checks: readonly CheckView[]): Html {
  if (checks.length === 0) return h`<span class="muted">no checks yet</span>`;
  const ordered = [...checks].reverse();
  const width = 120;
  const height = 28;
  const slot = width / 20;
  const max = Math.max(1, ...ordered.map((k) => k.latencyMs));
  const failed = ordered.filter((k) => !k.reachable).length;
  const label = `Last ${ordered.length} checks: ${ordered.length - failed} reachable, ${failed} failed; slowest ${max} ms.`;
  return h`<svg class="spark" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${label}"><title>${label}</title>${each(
    ordered,
    (k, i) => {
      const bar = k.reachable ? Math.max(2, Math.round((k.latencyMs / max) * (height - 2))) : height;
      return h`<rect class="${k.reachable ? 'processed' : 'failed'}" x="${(i * slot).toFixed(1)}" y="${height - bar}" width="${(slot - 1).toFixed(1)}" height="${bar}"><title>${k.checkedAt}: ${
        k.reachable ? `${k.latencyMs} ms` : (k.reason ?? 'failed')
      }</title></rect>`;
    },
  )}</svg>`;
}

const tone = (s: string) => (s === 'active' ? 'ok' : s === 'failed' ? 'bad' : 'warn');

export interface ReencryptResult {
  currentKeyId: string;
  reencrypted: number;
  alreadyCurrent: number;
  failed: { connectionId: string; reason: string }[];
}

/** What a re-encryption run did, for the page after it. */
export function reencryptSummary(r: ReencryptResult): string {
  const failed = r.failed.length
    ? ` ${r.failed.length} could not be moved: ${r.failed.map((f) => `${f.connectionId} (${f.reason})`).join('; ')}.`
    : '';
  return `Re-encrypted under key ${r.currentKeyId}: ${r.reencrypted} moved, ${r.alreadyCurrent} already current.${failed}`;
}

export function connectionsView(
  answer: Answer<{ connections: ConnectionView[]; nextCursor: string | null }>,
  history: ReadonlyMap<string, Answer<{ checks: CheckView[] }>>,
  csrf: string,
  more: string | null,
  admin = false,
): Html {
  if (!answer.ok)
    return h`<h1>Connections</h1><p class="notice bad" role="alert">${answer.problem?.detail ?? `The API answered ${answer.status}.`}</p>`;
  const list = answer.body.connections;
  return h`<h1>Connections</h1>
${
  admin
    ? h`<section class="card" aria-labelledby="h-keys"><h2 id="h-keys">Credentials key</h2><p>After rotating the credentials encryption key (docs/connections.md), move every stored credential under the new key.</p>${actionForm(
        '/console/connections/reencrypt',
        csrf,
        'Re-encrypt all credentials now',
      )}</section>`
    : nothing
}
${
  list.length === 0
    ? h`<p class="muted">No connections yet. Create one with POST /v1/connections.</p>`
    : h`<section class="card"><table><thead><tr><th scope="col">Connection</th><th scope="col">From → to</th><th scope="col">Status</th><th scope="col">Health</th><th scope="col">Usage</th><th scope="col">Credentials</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${each(
  list,
  (k) => h`<tr><td><code>${k.connectionId}</code><br><span class="muted">${k.type}</span></td>
<td>${k.source.type} <code>${k.source.id}</code> → ${k.target.service}${k.target.endpoint ? h`<br><span class="muted">${k.target.endpoint}</span>` : nothing}</td>
<td>${badge(k.status, tone(k.status))}</td>
<td>${(() => {
    const checks = history.get(k.connectionId);
    return checks?.ok ? healthChart(checks.body.checks) : nothing;
  })()}<br>checked ${when(k.health.lastCheckAt)}<br>${k.health.errorCount} error${k.health.errorCount === 1 ? '' : 's'} in a row</td>
<td>${k.usage.requestCount} calls<br>last ${when(k.usage.lastUsedAt)}</td>
<td>${k.hasCredentials ? h`key <code>${k.credentialsKeyId ?? '?'}</code>` : h`<span class="muted">none</span>`}</td>
<td>${k.status === 'disconnected' ? nothing : actionForm(`/console/connections/${encodeURIComponent(k.connectionId)}/check`, csrf, 'Check now')}</td></tr>`,
)}
</tbody></table>${more ? h`<p><a href="${more}">More</a></p>` : nothing}</section>`
}`;
}
