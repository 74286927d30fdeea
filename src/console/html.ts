/**
 * HTML for the console: hono/html's tagged template (every interpolated value is escaped unless
 * it is itself markup made here), kept synchronous, and the page frame every view shares.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { CONSOLE_CSS_PATH } from './assets';

export type Html = HtmlEscapedString;

/** Markup, with each value escaped (strings) or kept (markup from `h`, arrays of it). */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const out = html(strings, ...values);
  if (out instanceof Promise) throw new Error('console markup must not interpolate promises');
  return out;
}

export const nothing: Html = raw('');

/** A list of markup, one after another. */
export function each<T>(items: readonly T[], render: (item: T, index: number) => Html): Html {
  return h`${items.map(render)}`;
}

export type Section = 'overview' | 'contexts' | 'connections' | 'delegations' | 'github';

const SECTIONS: { id: Section; label: string; path: string }[] = [
  { id: 'overview', label: 'Overview', path: '/console' },
  { id: 'contexts', label: 'Contexts', path: '/console/contexts' },
  { id: 'connections', label: 'Connections', path: '/console/connections' },
  { id: 'delegations', label: 'Delegations', path: '/console/delegations' },
  { id: 'github', label: 'GitHub', path: '/console/github' },
];

export interface Frame {
  title: string;
  section?: Section;
  /** The signed-in operator, for the header and the sign-out form. */
  who?: { name: string; csrf: string; admin: boolean };
  /** A one-line message above the content (after an action). */
  notice?: { text: string; bad?: boolean };
}

/** The page: header with the sections and the operator, the view in <main>. */
export function page(frame: Frame, body: Html): Html {
  const { title, section, who, notice } = frame;
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ChittyConnect console</title>
<link rel="stylesheet" href="${CONSOLE_CSS_PATH}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/console">ChittyConnect</a>
${
  who
    ? h`<nav class="main" aria-label="Console sections"><ul>${each(
        SECTIONS,
        (s) => h`<li><a href="${s.path}"${s.id === section ? raw(' aria-current="page"') : nothing}>${s.label}</a></li>`,
      )}<li><a href="/docs">API reference</a></li></ul></nav>
<div class="who"><span>${who.name}${who.admin ? h` <span class="status ok">admin</span>` : nothing}</span>
<form class="inline" method="post" action="/console/signout"><input type="hidden" name="csrf" value="${who.csrf}"><button class="secondary" type="submit">Sign out</button></form></div>`
    : nothing
}
</header>
<main id="main" tabindex="-1">
${notice ? h`<p class="notice${notice.bad ? ' bad' : ''}" role="status">${notice.text}</p>` : nothing}
${body}
</main>
</body>
</html>`;
}

/** A status word in its colour: ok, warn or bad. */
export function badge(text: string, tone: 'ok' | 'warn' | 'bad'): Html {
  return h`<span class="status ${tone}">${text}</span>`;
}

/** A small form posting one action, with the CSRF token. */
export function actionForm(action: string, csrf: string, label: string, fields: Record<string, string> = {}, danger = false): Html {
  return h`<form class="inline" method="post" action="${action}"><input type="hidden" name="csrf" value="${csrf}">${each(
    Object.entries(fields),
    ([name, value]) => h`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit"${danger ? raw(' class="danger"') : nothing}>${label}</button></form>`;
}

/** An ISO time as the operator reads it: UTC, to the second. */
export function when(iso: string | null | undefined): Html {
  if (!iso) return h`<span class="muted">—</span>`;
  return h`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}</time>`;
}
