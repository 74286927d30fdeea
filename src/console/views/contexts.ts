/** Contexts: search and list, one context with its data, its changes' delivery and its Chronicle timeline. */
import type { AggregateEvent } from '../../queue/store';
import type { Answer } from '../api';
import { badge, each, type Html, h, nothing, when } from '../html';

export interface ContextView {
  chittyId: string;
  name: string;
  owner: string;
  status: string;
  data: unknown[];
  systems: string[];
  tools: string[];
  dnaId: string | null;
  timelineId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}
export type ContextEvent = AggregateEvent;

function refusal(answer: Answer<unknown>): Html {
  return h`<p class="notice bad" role="alert">${answer.problem?.detail ?? `The API answered ${answer.status}.`}</p>`;
}

export function contextsView(
  q: string,
  answer: Answer<{ contexts: ContextView[]; nextCursor?: string | null; nextOffset?: number | null }>,
  more: string | null,
): Html {
  return h`<h1>Contexts</h1>
<form class="filters" method="get" action="/console/contexts" role="search">
<label>Search names and data<input type="search" name="q" value="${q}" maxlength="200"></label>
<button type="submit">Search</button>${q ? h` <a class="button secondary" href="/console/contexts">Clear</a>` : nothing}
</form>
${
  !answer.ok
    ? refusal(answer)
    : answer.body.contexts.length === 0
      ? h`<p class="muted">${q ? 'No context matches.' : 'No contexts yet. Create one with POST /v1/contexts/create.'}</p>`
      : h`<section class="card"><table><caption class="muted">${answer.body.contexts.length} shown</caption>
<thead><tr><th scope="col">Name</th><th scope="col">ChittyID</th><th scope="col">Status</th><th scope="col">Version</th><th scope="col">Updated</th></tr></thead><tbody>
${each(
  answer.body.contexts,
  (c) =>
    h`<tr><td><a href="/console/contexts/${encodeURIComponent(c.chittyId)}">${c.name}</a></td><td><code>${c.chittyId}</code></td><td>${c.status}</td><td>${c.version}</td><td>${when(
      c.updatedAt,
    )}</td></tr>`,
)}
</tbody></table>${more ? h`<p><a href="${more}">More</a></p>` : nothing}</section>`
}`;
}

export function contextView(
  context: Answer<ContextView>,
  events: Answer<{ events: ContextEvent[] }>,
  timeline: Answer<{ events: Record<string, unknown>[] }>,
): Html {
  if (!context.ok) return h`<h1>Context</h1>${refusal(context)}<p><a href="/console/contexts">All contexts</a></p>`;
  const c = context.body;
  return h`<p><a href="/console/contexts">All contexts</a></p>
<h1>${c.name}</h1>
<section class="card" aria-labelledby="h-ctx"><h2 id="h-ctx">Details</h2>
<table><tbody>
<tr><th scope="row">ChittyID</th><td><code>${c.chittyId}</code></td></tr>
<tr><th scope="row">Owner</th><td><code>${c.owner}</code></td></tr>
<tr><th scope="row">Status</th><td>${c.status}</td></tr>
<tr><th scope="row">Version</th><td>${c.version}</td></tr>
<tr><th scope="row">Systems</th><td>${c.systems.join(', ') || '—'}</td></tr>
<tr><th scope="row">Tools</th><td>${c.tools.join(', ') || '—'}</td></tr>
<tr><th scope="row">ChittyDNA</th><td>${c.dnaId ? h`<code>${c.dnaId}</code>` : badge('not yet', 'warn')}</td></tr>
<tr><th scope="row">Created</th><td>${when(c.createdAt)}</td></tr>
<tr><th scope="row">Updated</th><td>${when(c.updatedAt)}</td></tr>
</tbody></table>
<details><summary>Data (${c.data.length} entries)</summary><pre>${JSON.stringify(c.data, null, 2)}</pre></details>
</section>
<section class="card" aria-labelledby="h-events"><h2 id="h-events">Changes and their delivery to ChittyDNA and ChittyChronicle</h2>
${
  !events.ok
    ? refusal(events)
    : h`<table><thead><tr><th scope="col">Change</th><th scope="col">At</th><th scope="col">Delivery</th><th scope="col">Attempts</th><th scope="col">Last error</th></tr></thead><tbody>
${each(events.body.events, (e) => {
  const state = e.deliveredAt
    ? badge('delivered', 'ok')
    : e.sentAt
      ? badge('sent, not confirmed', 'warn')
      : badge('waiting', e.lastError ? 'bad' : 'warn');
  return h`<tr><td>${e.eventType}</td><td>${when(e.createdAt)}</td><td>${state}${e.deliveredAt ? h` ${when(e.deliveredAt)}` : nothing}</td><td>${e.attempts}</td><td>${e.lastError ?? ''}</td></tr>`;
})}
</tbody></table>`
}
</section>
<section class="card" aria-labelledby="h-timeline"><h2 id="h-timeline">Timeline (ChittyChronicle)</h2>
${
  !timeline.ok
    ? refusal(timeline)
    : timeline.body.events.length === 0
      ? h`<p class="muted">Chronicle has no entries for this context yet.</p>`
      : h`<ol>${each(timeline.body.events, (e) => {
          const type = typeof e.eventType === 'string' ? e.eventType : typeof e.type === 'string' ? e.type : 'event';
          const at = typeof e.timestamp === 'string' ? e.timestamp : typeof e.at === 'string' ? e.at : null;
          return h`<li><strong>${type}</strong> ${when(at)}</li>`;
        })}</ol>`
}
</section>`;
}
