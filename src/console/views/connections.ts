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

const tone = (s: string) => (s === 'active' ? 'ok' : s === 'failed' ? 'bad' : 'warn');

export function connectionsView(
  answer: Answer<{ connections: ConnectionView[]; nextCursor: string | null }>,
  csrf: string,
  more: string | null,
): Html {
  if (!answer.ok)
    return h`<h1>Connections</h1><p class="notice bad" role="alert">${answer.problem?.detail ?? `The API answered ${answer.status}.`}</p>`;
  const list = answer.body.connections;
  return h`<h1>Connections</h1>
${
  list.length === 0
    ? h`<p class="muted">No connections yet. Create one with POST /v1/connections.</p>`
    : h`<section class="card"><table><thead><tr><th scope="col">Connection</th><th scope="col">From → to</th><th scope="col">Status</th><th scope="col">Health</th><th scope="col">Usage</th><th scope="col">Credentials</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${each(
  list,
  (k) => h`<tr><td><code>${k.connectionId}</code><br><span class="muted">${k.type}</span></td>
<td>${k.source.type} <code>${k.source.id}</code> → ${k.target.service}${k.target.endpoint ? h`<br><span class="muted">${k.target.endpoint}</span>` : nothing}</td>
<td>${badge(k.status, tone(k.status))}</td>
<td>checked ${when(k.health.lastCheckAt)}<br>${k.health.errorCount} error${k.health.errorCount === 1 ? '' : 's'} in a row</td>
<td>${k.usage.requestCount} calls<br>last ${when(k.usage.lastUsedAt)}</td>
<td>${k.hasCredentials ? h`key <code>${k.credentialsKeyId ?? '?'}</code>` : h`<span class="muted">none</span>`}</td>
<td>${k.status === 'disconnected' ? nothing : actionForm(`/console/connections/${encodeURIComponent(k.connectionId)}/check`, csrf, 'Check now')}</td></tr>`,
)}
</tbody></table>${more ? h`<p><a href="${more}">More</a></p>` : nothing}</section>`
}`;
}
