/**
 * Delegations: the tree of who delegated what to whom (roots first, derived tokens under their
 * parent), with the act chain, expiry and state; revoking asks first and names everything it
 * cuts off (a revoke takes the token's descendants with it). API keys below.
 */
import type { DelegationJson } from '../../delegation/schema';
import type { Agent } from '../../mcp/agents';
import type { Answer } from '../api';
import { actionForm, badge, each, type Html, h, nothing, when } from '../html';

export type DelegationView = DelegationJson;
export interface KeyView {
  keyId: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export type AgentView = Agent;

/** Connected agents: each MCP client the operator authorized, with a disconnect button. */
function agentsSection(agents: Answer<{ agents: AgentView[] }>, csrf: string): Html {
  return h`<section class="card" aria-labelledby="h-agents"><h2 id="h-agents">Connected agents</h2>
${
  !agents.ok
    ? h`<p class="muted">Not shown: ${agents.problem?.detail ?? agents.status}</p>`
    : agents.body.agents.length === 0
      ? h`<p class="muted">No AI agent is connected. An MCP client that signs in through OAuth appears here.</p>`
      : h`<table><thead><tr><th scope="col">Agent</th><th scope="col">May</th><th scope="col">Consented</th><th scope="col">Last used</th><th scope="col">Long-lived access</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${each(
  agents.body.agents,
  (a) =>
    h`<tr><td><strong>${a.clientName ?? a.clientId}</strong><br><code>${a.clientId}</code></td><td>${a.scopes.join(' ')}</td><td>by <code>${a.userId}</code><br>${when(
      a.grantedAt,
    )}</td><td>${when(a.lastUsedAt)}</td><td>${a.renewableUntil ? h`renews itself until ${when(a.renewableUntil)}` : h`<span class="muted">no</span>`}</td><td>${actionForm(
      `/console/agents/${encodeURIComponent(a.grantId)}/revoke`,
      csrf,
      'Disconnect',
      {},
      true,
    )}</td></tr>`,
)}</tbody></table>`
}
</section>`;
}

/** Each token's children, by parent id. */
function childrenOf(all: readonly DelegationView[]): Map<string | null, DelegationView[]> {
  const ids = new Set(all.map((d) => d.tokenId));
  const by = new Map<string | null, DelegationView[]>();
  for (const d of all) {
    // A token whose parent is not in the list (another's lineage) is shown as a root.
    const parent = d.parentId && ids.has(d.parentId) ? d.parentId : null;
    by.set(parent, [...(by.get(parent) ?? []), d]);
  }
  return by;
}

/** The token and everything derived from it, in the list. */
export function lineage(all: readonly DelegationView[], tokenId: string): DelegationView[] {
  const by = childrenOf(all);
  const out: DelegationView[] = [];
  const walk = (id: string) => {
    for (const child of by.get(id) ?? []) {
      out.push(child);
      walk(child.tokenId);
    }
  };
  const self = all.find((d) => d.tokenId === tokenId);
  if (self) out.push(self);
  walk(tokenId);
  return out;
}

const stateBadge = (d: DelegationView) => badge(d.state, d.state === 'active' ? 'ok' : d.state === 'revoked' ? 'bad' : 'warn');

function node(d: DelegationView, by: Map<string | null, DelegationView[]>, csrf: string, own: string): Html {
  const kids = by.get(d.tokenId) ?? [];
  return h`<li><div><strong>${d.subject}</strong> ${stateBadge(d)} <span class="muted">from</span> <code>${d.issuer}</code> <span class="muted">for</span> ${d.audience}</div>
<div class="muted">scopes ${d.scopes.join(' ')} · act chain ${d.actorChain.join(' → ')} · issued ${when(d.issuedAt)} · expires ${when(d.expiresAt)}${
    d.revokedAt ? h` · revoked ${when(d.revokedAt)}` : nothing
  } · <code>${d.tokenId}</code></div>
${
  d.state === 'active' && d.tokenId !== own
    ? h`<p><a class="button secondary" href="/console/delegations/${encodeURIComponent(d.tokenId)}/revoke">Revoke…</a></p>`
    : d.tokenId === own
      ? h`<p class="muted">This console session.</p>`
      : nothing
}
${kids.length ? h`<ul class="tree">${each(kids, (k) => node(k, by, csrf, own))}</ul>` : nothing}</li>`;
}

export function delegationsView(
  delegations: Answer<{ delegations: DelegationView[] }>,
  keys: Answer<{ keys: KeyView[] }>,
  agents: Answer<{ agents: AgentView[] }>,
  csrf: string,
  ownSession: string,
): Html {
  let tree: Html;
  if (!delegations.ok)
    tree = h`<p class="notice bad" role="alert">${delegations.problem?.detail ?? `The API answered ${delegations.status}.`}</p>`;
  else {
    const by = childrenOf(delegations.body.delegations);
    const roots = by.get(null) ?? [];
    tree = roots.length
      ? h`<ul class="tree root">${each(roots, (d) => node(d, by, csrf, ownSession))}</ul>`
      : h`<p class="muted">No delegations yet.</p>`;
  }
  return h`<h1>Delegations</h1>
${agentsSection(agents, csrf)}
<section class="card" aria-labelledby="h-tree"><h2 id="h-tree">Delegation tree</h2>${tree}</section>
<section class="card" aria-labelledby="h-keys"><h2 id="h-keys">API keys</h2>
${
  !keys.ok
    ? h`<p class="muted">Not shown: ${keys.problem?.detail ?? keys.status}</p>`
    : keys.body.keys.length === 0
      ? h`<p class="muted">No API keys.</p>`
      : h`<table><thead><tr><th scope="col">Key</th><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">State</th></tr></thead><tbody>
${each(
  keys.body.keys,
  (k) =>
    h`<tr><td><code>${k.keyId}</code></td><td>${k.name}</td><td>${k.scopes.join(' ')}</td><td>${when(k.createdAt)}</td><td>${when(k.expiresAt)}</td><td>${
      k.revokedAt ? badge('revoked', 'bad') : badge('active', 'ok')
    }</td></tr>`,
)}</tbody></table>`
}
</section>`;
}

/** The confirmation: what will be cut off, then the button. */
export function revokeConfirmView(all: readonly DelegationView[], tokenId: string, csrf: string): Html {
  const cut = lineage(all, tokenId).filter((d) => d.state === 'active');
  const self = all.find((d) => d.tokenId === tokenId);
  if (!self) return h`<h1>Revoke a delegation</h1><p class="notice bad" role="alert">No delegation ${tokenId} is yours to see.</p>`;
  return h`<h1>Revoke the delegation to ${self.subject}?</h1>
<p>Revoking <code>${tokenId}</code> also revokes every token derived from it. These ${cut.length} will stop working at their next use:</p>
<ul>${each(cut, (d) => h`<li><strong>${d.subject}</strong> (${d.scopes.join(' ')}) <code>${d.tokenId}</code>, expires ${when(d.expiresAt)}</li>`)}</ul>
<p>${actionForm(`/console/delegations/${encodeURIComponent(tokenId)}/revoke`, csrf, `Revoke ${cut.length === 1 ? 'it' : `all ${cut.length}`}`, {}, true)}
<a class="button secondary" href="/console/delegations">Cancel</a></p>`;
}
