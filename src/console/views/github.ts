/**
 * GitHub: installations and repositories; deliveries with filters, replay one or a time window;
 * dead letters with their error and replay; a repository's latest analysis and, by number, a pull
 * request's findings or an issue's triage. All of it is admin in the API, and so here.
 */
import type { Answer } from '../api';
import { actionForm, badge, each, type Html, h, nothing, when } from '../html';
import type { DeadLetter, Delivery } from './overview';

export interface InstallationView {
  installationId: number;
  account: { login: string; type: string };
  repositorySelection: string;
  suspendedAt: string | null;
  installedAt: string;
  uninstalledAt: string | null;
}
export interface RepositoryView {
  fullName: string;
  installationId: number;
}
export interface DeliveryFilter {
  status: string;
  event: string;
  from: string;
  to: string;
}

const refusal = (a: Answer<unknown>) => h`<p class="muted">Not shown: ${a.problem?.detail ?? `the API answered ${a.status}`}</p>`;
const deliveryTone = (s: Delivery['status']) => (s === 'processed' ? 'ok' : s === 'failed' ? 'bad' : 'warn');

/** Every failed delivery in a window back on the queue (shown only to those the API lets list deliveries: admins). */
function replayWindowForm(filter: DeliveryFilter, csrf: string): Html {
  return h`<form class="filters" method="post" action="/console/github/deliveries/replay">
<input type="hidden" name="csrf" value="${csrf}">
<label>Replay every failed delivery from (UTC)<input name="from" type="datetime-local" required value="${filter.from}"></label>
<label>to (UTC, empty for now)<input name="to" type="datetime-local" value="${filter.to}"></label>
<button type="submit">Replay the window</button>
</form>`;
}

export function githubView(
  installations: Answer<{ installations: InstallationView[] }>,
  repositories: Answer<{ repositories: RepositoryView[] }>,
  deliveries: Answer<{ deliveries: Delivery[] }>,
  deadLetters: Answer<{ deadLetters: (DeadLetter & { body?: unknown })[] }>,
  filter: DeliveryFilter,
  csrf: string,
): Html {
  const shown = deliveries.ok ? deliveries.body.deliveries.filter((d) => !filter.event || d.event === filter.event) : [];
  return h`<h1>GitHub</h1>
<div class="grid">
<section class="card" aria-labelledby="h-inst"><h2 id="h-inst">Installations</h2>
${
  !installations.ok
    ? refusal(installations)
    : installations.body.installations.length === 0
      ? h`<p class="muted">The App is not installed anywhere yet.</p>`
      : h`<ul>${each(
          installations.body.installations,
          (i) =>
            h`<li><strong>${i.account.login}</strong> <span class="muted">(${i.account.type}, #${i.installationId}, ${i.repositorySelection})</span> ${
              i.uninstalledAt ? badge('uninstalled', 'bad') : i.suspendedAt ? badge('suspended', 'warn') : badge('active', 'ok')
            }</li>`,
        )}</ul>`
}
</section>
<section class="card" aria-labelledby="h-repos"><h2 id="h-repos">Repositories</h2>
${
  !repositories.ok
    ? refusal(repositories)
    : repositories.body.repositories.length === 0
      ? h`<p class="muted">No repositories yet.</p>`
      : h`<ul>${each(repositories.body.repositories, (r) => h`<li><a href="/console/github/repositories/${r.fullName}">${r.fullName}</a></li>`)}</ul>`
}
</section>
</div>
<section class="card" aria-labelledby="deliveries"><h2 id="deliveries">Deliveries</h2>
<form class="filters" method="get" action="/console/github#deliveries">
<label>Status<select name="status">${each(
    ['', 'processing', 'processed', 'failed'],
    (s) => h`<option value="${s}"${s === filter.status ? h` selected` : nothing}>${s || 'any'}</option>`,
  )}</select></label>
<label>Event<input name="event" value="${filter.event}" maxlength="64" placeholder="pull_request"></label>
<label>From (UTC)<input name="from" type="datetime-local" value="${filter.from}"></label>
<label>To (UTC)<input name="to" type="datetime-local" value="${filter.to}"></label>
<button type="submit">Filter</button>
</form>
${
  !deliveries.ok
    ? refusal(deliveries)
    : shown.length === 0
      ? h`<p class="muted">No deliveries match.</p>`
      : h`<table><thead><tr><th scope="col">Delivery</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Received</th><th scope="col">Error</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${each(
  shown,
  (d) =>
    h`<tr><td><code>${d.deliveryId}</code></td><td>${d.event}</td><td>${badge(d.status, deliveryTone(d.status))}</td><td>${d.attempts}</td><td>${when(d.receivedAt)}</td><td>${
      d.lastError ?? ''
    }</td><td>${d.status === 'failed' ? actionForm(`/console/github/deliveries/${encodeURIComponent(d.deliveryId)}/replay`, csrf, 'Replay') : nothing}</td></tr>`,
)}
</tbody></table>`
}
${deliveries.ok ? replayWindowForm(filter, csrf) : nothing}
</section>
<section class="card" aria-labelledby="dead-letters"><h2 id="dead-letters">Dead letters</h2>
${
  !deadLetters.ok
    ? refusal(deadLetters)
    : deadLetters.body.deadLetters.length === 0
      ? h`<p class="muted">No dead letters waiting.</p>`
      : h`<table><thead><tr><th scope="col">Letter</th><th scope="col">Queue</th><th scope="col">Attempts</th><th scope="col">Received</th><th scope="col">Note</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${each(
  deadLetters.body.deadLetters,
  (l) =>
    h`<tr><td><code>${l.id}</code></td><td>${l.queue}</td><td>${l.attempts}</td><td>${when(l.receivedAt)}</td><td>${l.note ?? ''}</td><td>${
      l.note
        ? h`<span class="muted">not replayable</span>`
        : actionForm('/console/github/dead-letters/replay', csrf, 'Replay', { id: l.id })
    }</td></tr>`,
)}
</tbody></table>`
}
</section>`;
}

export interface RepositoryDetail {
  repository: { fullName: string; installationId: number };
  latestAnalysis?: unknown;
  [key: string]: unknown;
}

export function repositoryView(
  name: string,
  repo: Answer<RepositoryDetail>,
  lookup: { kind: 'pulls' | 'issues'; number: number; answer: Answer<unknown> } | null,
): Html {
  return h`<p><a href="/console/github">GitHub</a></p><h1>${name}</h1>
${repo.ok ? h`<section class="card"><h2>Repository</h2><pre>${JSON.stringify(repo.body, null, 2)}</pre></section>` : refusal(repo)}
<section class="card" aria-labelledby="h-lookup"><h2 id="h-lookup">A pull request’s analysis or an issue’s triage</h2>
<form class="filters" method="get" action="/console/github/repositories/${name}">
<label>Kind<select name="kind"><option value="pulls"${lookup?.kind === 'pulls' ? h` selected` : nothing}>Pull request</option><option value="issues"${
    lookup?.kind === 'issues' ? h` selected` : nothing
  }>Issue</option></select></label>
<label>Number<input name="number" type="number" min="1" required value="${lookup ? String(lookup.number) : ''}"></label>
<button type="submit">Show</button>
</form>
${lookup ? (lookup.answer.ok ? h`<pre>${JSON.stringify(lookup.answer.body, null, 2)}</pre>` : refusal(lookup.answer)) : nothing}
</section>`;
}
