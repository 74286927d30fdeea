/** The setup flow's HTML pages: one small template, a failure page, and what an installation looks like. */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Status = 200 | 400 | 403 | 404 | 502 | 503;
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export async function page(title: string, body: Html, status: Status): Promise<Response> {
  const text = await html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ChittyConnect</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem}code{background:#f6f8fa;padding:.1rem .3rem;border-radius:4px}.muted{color:#59636e}</style>
</head><body><h1>${title}</h1>${body}</body></html>`;
  return new Response(String(text), {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'cache-control': 'no-store',
    },
  });
}

export const failure = (title: string, message: string, status: Status) => page(title, html`<p>${message}</p>`, status);

/** A refusal the page explains (title, message, status), thrown from the checks. */
export class Refused extends Error {
  constructor(
    readonly title: string,
    message: string,
    readonly status: Status,
  ) {
    super(message);
  }
}

/** The installation's details, shown only to a user GitHub confirmed through OAuth. */
export function installationDetails(
  inst: { account: { login: string }; repository_selection?: string; suspended_at?: string | null },
  repositories: { full_name: string }[],
  login: string,
  installationId: number,
  chittyId: string,
): Html {
  const repoList =
    inst.repository_selection === 'all'
      ? html`<p>It can see every repository of <strong>${inst.account.login}</strong>${repositories.length ? ` (${repositories.length} now)` : ''}.</p>`
      : html`<p>It can see ${repositories.length} selected ${repositories.length === 1 ? 'repository' : 'repositories'}:</p>
<ul>${repositories.slice(0, 20).map((r) => html`<li><code>${r.full_name}</code></li>`)}</ul>`;
  return html`<p>ChittyConnect is connected to <strong>${inst.account.login}</strong> (confirmed by @${login}).</p>
${repoList}
${inst.suspended_at ? html`<p><strong>The installation is suspended</strong>; events are ignored until it is unsuspended on GitHub.</p>` : ''}
<p class="muted">Installation ${installationId} · ChittyID <code>${chittyId}</code>.</p>`;
}
