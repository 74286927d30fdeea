/**
 * The overview: is the ecosystem healthy, is anything stuck or lost. Health and init for everyone;
 * queues, outbox, dead letters and GitHub deliveries for admins (the API refuses them to others,
 * and the page says what is missing instead of pretending all is well).
 */
import type { Answer } from '../api';
import { actionForm, badge, each, type Html, h, nothing, when } from '../html';

interface ServiceHealth {
  status: 'healthy' | 'unhealthy' | 'unknown';
  breaker: 'closed' | 'open' | 'half-open';
  url: string;
  latencyMs?: number;
  reason?: string;
  checkedAt?: string;
}
export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  environment: string;
  database: { status: 'ready' | 'unavailable'; reason?: string };
  init: { state: string; chittyId?: string; steps: Record<string, { status: string; at?: string; reason?: string }> };
  ecosystem: Record<string, ServiceHealth>;
}
export interface Delivery {
  deliveryId: string;
  event: string;
  status: 'processing' | 'processed' | 'failed';
  attempts: number;
  lastError: string | null;
  receivedAt: string;
  processedAt: string | null;
}
export interface DeadLetter {
  id: string;
  queue: string;
  attempts: number;
  receivedAt: string;
  note: string | null;
}
export interface OverviewData {
  health: Answer<Health>;
  outbox: Answer<{ undelivered: number; unsent: number; oldestUndeliveredAt: string | null }>;
  deadLetters: Answer<{ deadLetters: DeadLetter[] }>;
  deliveries: Answer<{ deliveries: Delivery[] }>;
  /** The start of the deliveries window (24 hours ago). */
  since: Date;
  now: Date;
}

const tone = (good: boolean, bad: boolean): 'ok' | 'warn' | 'bad' => (good ? 'ok' : bad ? 'bad' : 'warn');

function refused(answer: Answer<unknown>): Html {
  return h`<p class="muted">Not shown: ${answer.problem?.detail ?? `the API answered ${answer.status}`}</p>`;
}

/** Hourly bars of processed (up) and failed (down) deliveries over the window, as inline SVG. */
export function deliveryChart(deliveries: readonly Delivery[], since: Date, now: Date, hours = 24): Html {
  const width = 480;
  const height = 120;
  const mid = 80;
  const slot = width / hours;
  const buckets = Array.from({ length: hours }, () => ({ processed: 0, failed: 0 }));
  const span = now.getTime() - since.getTime();
  for (const d of deliveries) {
    const at = Date.parse(d.receivedAt) - since.getTime();
    if (at < 0 || at > span || d.status === 'processing') continue;
    const b = buckets[Math.min(hours - 1, Math.floor((at / span) * hours))];
    if (b) b[d.status] += 1;
  }
  const max = Math.max(1, ...buckets.map((b) => Math.max(b.processed, b.failed)));
  const processed = buckets.reduce((n, b) => n + b.processed, 0);
  const failed = buckets.reduce((n, b) => n + b.failed, 0);
  const label = `GitHub deliveries per hour over the last ${hours} hours: ${processed} processed, ${failed} failed.`;
  return h`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}">
<title>${label}</title>
<line class="axis" x1="0" y1="${mid}" x2="${width}" y2="${mid}" stroke-width="1"></line>
${each(buckets, (b, i) => {
  const up = Math.round((b.processed / max) * (mid - 4));
  const down = Math.round((b.failed / max) * (height - mid - 16));
  const x = (i * slot + 1).toFixed(1);
  const w = (slot - 2).toFixed(1);
  return h`${up ? h`<rect class="processed" x="${x}" y="${mid - up}" width="${w}" height="${up}"><title>${b.processed} processed</title></rect>` : nothing}${
    down ? h`<rect class="failed" x="${x}" y="${mid + 1}" width="${w}" height="${down}"><title>${b.failed} failed</title></rect>` : nothing
  }`;
})}
<text x="0" y="${height - 2}">${hours} h ago</text><text x="${width}" y="${height - 2}" text-anchor="end">now</text>
</svg>
<p class="legend"><span class="ok">processed ${processed}</span><span class="bad">failed ${failed}</span></p>`;
}

export function overviewView(data: OverviewData, admin: boolean, csrf: string): Html {
  const { health, outbox, deadLetters, deliveries } = data;
  const hb = health.ok || health.status === 503 ? health.body : null;
  const pendingLetters = deadLetters.ok ? deadLetters.body.deadLetters : [];
  const failed = deliveries.ok ? deliveries.body.deliveries.filter((d) => d.status === 'failed') : [];
  return h`<h1>Overview</h1>
<div class="grid">
<section class="card" aria-labelledby="h-health"><h2 id="h-health">Health</h2>
${
  hb
    ? h`<p class="figure">${badge(hb.status, hb.status === 'ok' ? 'ok' : 'warn')}</p>
<p>Database ${badge(hb.database.status, hb.database.status === 'ready' ? 'ok' : 'bad')} · version <code>${hb.version}</code> · ${hb.environment}</p>
<p>Init ${badge(hb.init.state, tone(hb.init.state === 'complete', hb.init.state === 'failed'))}${hb.init.chittyId ? h` as <code>${hb.init.chittyId}</code>` : nothing}</p>`
    : refused(health)
}
</section>
<section class="card" aria-labelledby="h-outbox"><h2 id="h-outbox">Outbox</h2>
${
  outbox.ok
    ? h`<p class="figure">${outbox.body.undelivered}</p><p>events not yet delivered to DNA and Chronicle${
        outbox.body.oldestUndeliveredAt ? h`; the oldest since ${when(outbox.body.oldestUndeliveredAt)}` : nothing
      }. ${outbox.body.unsent} never sent.</p>${
        outbox.body.undelivered > 0 && admin ? h`<p>${actionForm('/console/outbox/sweep', csrf, 'Send them again now')}</p>` : nothing
      }`
    : refused(outbox)
}
</section>
<section class="card" aria-labelledby="h-dead"><h2 id="h-dead">Dead letters</h2>
${
  deadLetters.ok
    ? h`<p class="figure">${pendingLetters.length}${pendingLetters.length >= 500 ? '+' : ''}</p><p>queue messages that failed every retry and wait for a replay.</p>${
        pendingLetters.length > 0 ? h`<p><a href="/console/github#dead-letters">See and replay them</a></p>` : nothing
      }`
    : refused(deadLetters)
}
</section>
</div>
${
  hb
    ? h`<section class="card" aria-labelledby="h-services"><h2 id="h-services">ChittyOS services</h2>
<table><thead><tr><th scope="col">Service</th><th scope="col">Status</th><th scope="col">Breaker</th><th scope="col">Latency</th><th scope="col">Checked</th><th scope="col">Note</th></tr></thead><tbody>
${each(Object.entries(hb.ecosystem), ([name, s]) => {
  return h`<tr><th scope="row">${name}</th><td>${badge(s.status, tone(s.status === 'healthy', s.status === 'unhealthy'))}</td><td>${badge(
    s.breaker,
    tone(s.breaker === 'closed', s.breaker === 'open'),
  )}</td><td>${s.latencyMs === undefined ? h`<span class="muted">—</span>` : `${s.latencyMs} ms`}</td><td>${when(s.checkedAt)}</td><td>${s.reason ?? ''}</td></tr>`;
})}
</tbody></table>
<h3>Init steps</h3>
<table><thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">At</th><th scope="col">Reason</th></tr></thead><tbody>
${each(
  Object.entries(hb.init.steps),
  ([name, s]) =>
    h`<tr><th scope="row">${name}</th><td>${badge(s.status, tone(s.status === 'done' || s.status === 'skipped', s.status === 'failed'))}</td><td>${when(
      s.at,
    )}</td><td>${s.reason ?? ''}</td></tr>`,
)}
</tbody></table></section>`
    : nothing
}
<section class="card" aria-labelledby="h-deliveries"><h2 id="h-deliveries">GitHub deliveries</h2>
${
  deliveries.ok
    ? h`${deliveryChart(deliveries.body.deliveries, data.since, data.now)}${
        failed.length
          ? h`<h3>Recent failures</h3><table><thead><tr><th scope="col">Delivery</th><th scope="col">Event</th><th scope="col">Received</th><th scope="col">Error</th></tr></thead><tbody>${each(
              failed.slice(0, 10),
              (d) =>
                h`<tr><td><a href="/console/github?status=failed#deliveries"><code>${d.deliveryId}</code></a></td><td>${d.event}</td><td>${when(d.receivedAt)}</td><td>${d.lastError ?? ''}</td></tr>`,
            )}</tbody></table>`
          : h`<p class="muted">No failed deliveries in the last 24 hours.</p>`
      }`
    : refused(deliveries)
}
</section>`;
}
