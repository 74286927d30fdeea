/**
 * The authorization pages: the consent form and a message page. Everything that came from the
 * client (its name, redirect host, requested scopes) is escaped; the pages load nothing.
 */
import type { ConsentDescription } from '@cloudflare/workers-oauth-provider';

const esc = (value: string) => value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1f24;background:#fff}
@media (prefers-color-scheme:dark){body{color:#e6e6e6;background:#16181d}}
h1{font-size:1.4rem}fieldset{border:1px solid #8886;border-radius:6px;margin:1rem 0}label{display:block;margin:.2rem 0}
.warn{border-left:4px solid #d97706;padding-left:.7rem}button{font:inherit;padding:.4rem 1rem;margin-right:.5rem}code{font-size:.95em}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p>`);
}

export interface ConsentView {
  details: ConsentDescription;
  person: string;
  /** The scopes the person may grant. */
  choices: readonly string[];
  /** What the client asked for (ticked when offered). */
  requested: readonly string[];
  handle: string;
  durations: readonly { seconds: number; label: string }[];
}

export function consentPage(v: ConsentView): string {
  const name = esc(v.details.clientName || v.details.clientId);
  const origin = v.details.clientDomain
    ? `Published by <strong>${esc(v.details.clientDomain)}</strong>.`
    : 'This app registered itself: its name is not verified.';
  const local = v.details.redirectIsLoopback
    ? '<p class="warn"><strong>Access goes to an app on your own computer.</strong> Continue only if you just started signing in from it.</p>'
    : '';
  const ticked = (s: string) => (v.requested.length === 0 || v.requested.includes(s) ? ' checked' : '');
  const scopes = v.choices
    .map((s) => `<label><input type="checkbox" name="scope" value="${esc(s)}"${ticked(s)}> <code>${esc(s)}</code></label>`)
    .join('');
  const asked = v.requested.filter((s) => !v.choices.includes(s));
  const notHeld = asked.length
    ? `<p>It also asked for ${asked.map((s) => `<code>${esc(s)}</code>`).join(', ')}, which you cannot grant.</p>`
    : '';
  const durations = v.durations
    .map((d, i) => `<label><input type="radio" name="duration" value="${d.seconds}"${i === 0 ? ' checked' : ''}> ${esc(d.label)}</label>`)
    .join('');
  return page(
    `Allow ${v.details.clientName || 'this app'}?`,
    `<h1>Allow ${name} to act for you in ChittyConnect?</h1>
<p>Signed in as <strong>${esc(v.person)}</strong>. ${origin} Access will be sent to <strong>${esc(v.details.redirectHost)}</strong>.</p>
${local}
<form method="post">
<input type="hidden" name="handle" value="${esc(v.handle)}">
<fieldset><legend>What it may do</legend>${scopes}</fieldset>${notHeld}
<fieldset><legend>For how long</legend>${durations}</fieldset>
<p>It becomes a delegation from you, listed with your delegations, which you can revoke at any time.</p>
<p><button name="decision" value="approve">Allow</button><button name="decision" value="deny">Deny</button></p>
</form>`,
  );
}
