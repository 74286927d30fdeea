/**
 * The MCP tools: each one is a REST route of the API, named, described for a model, put in a
 * toolset, and given the scopes it needs and its behaviour hints. Input and output schemas are
 * not written here: they come from the route's own zod schemas, through the OpenAPI document
 * (see schemas.ts), so a tool can never accept what its route refuses or describe a different
 * answer.
 *
 * `scopes` is the declaration the server enforces before anything runs: the tool is listed, and
 * callable, only for a credential whose capabilities cover every one (`[]`: any authenticated
 * principal). A tool whose `scopes` is missing is refused to everyone — adding a tool without
 * thinking about who may call it fails closed.
 */

/** What the resources need: contexts (`chittyconnect://contexts/{id}`) for anyone with this; repositories for admins. */
export const RESOURCE_SCOPES = ['contexts:read'] as const;
export const REPOSITORY_RESOURCE_SCOPES = ['admin'] as const;

export const TOOLSETS = ['contexts', 'actors', 'connections', 'delegation', 'keys', 'github', 'admin', 'ecosystem'] as const;
export type Toolset = (typeof TOOLSETS)[number];

/** The tool is in the session the client chose: one of its toolsets, and read-only when it asked for that. */
export function inSession(d: ToolDefinition, session: { toolsets: ReadonlySet<Toolset>; readOnly: boolean }): boolean {
  return session.toolsets.has(d.toolset) && (!session.readOnly || d.annotations.readOnlyHint);
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** A header the route reads, offered to the model as an argument (e.g. If-Match as `version`). */
export interface HeaderArgument {
  header: string;
  argument: string;
  schema: Record<string, unknown>;
  /** The header's value for the argument's value. */
  format: (value: unknown) => string;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  toolset: Toolset;
  method: 'get' | 'post' | 'patch' | 'delete';
  /** The route, as written in the OpenAPI document (`{param}`). */
  path: string;
  /** What the credential must carry; `undefined` means undeclared, and then nobody may call it. */
  scopes: readonly string[] | undefined;
  annotations: ToolAnnotations;
  /** Narrowing of the route's input for this tool: body fields it must have, or must not offer. */
  require?: readonly string[];
  omit?: readonly string[];
  headers?: readonly HeaderArgument[];
  /** A route answered with a body for a model to read (204 has none): what the tool reports instead. */
  emptyResult?: Record<string, unknown>;
  /**
   * The credential-injecting proxy: the route takes any method and passes the target's answer
   * through, so the tool adds `method`, `query`, `headers` and `body` arguments and reports the
   * answer as `{status, contentType, body}`.
   */
  proxy?: true;
}

const READ: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const CREATE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
const UPDATE: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false };
const DELETE: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };

const VERSION_HEADER: HeaderArgument = {
  header: 'if-match',
  argument: 'version',
  schema: {
    type: 'integer',
    minimum: 1,
    description: 'The `version` from your last read of it: the change is refused (412) if it changed since, so nothing is overwritten',
  },
  format: (value) => `"${String(value)}"`,
};

/** Every tool. Names are `<toolset>_<verb>`; order is the order tools/list shows them in. */
export const TOOLS: readonly ToolDefinition[] = [
  // --- contexts ---------------------------------------------------------------------------
  {
    name: 'contexts_create',
    title: 'Create a context',
    description:
      'Create a context owned by you (a named bundle of data, systems and tools; its ChittyID is minted by ChittyID). Names are unique. Pass idempotencyKey to make a retry safe.',
    toolset: 'contexts',
    method: 'post',
    path: '/v1/contexts/create',
    scopes: ['contexts:write'],
    annotations: CREATE,
  },
  {
    name: 'contexts_list',
    title: 'List your contexts',
    description: 'Your contexts, newest first, filtered by status, system or tool. Pass nextCursor back as cursor for the next page.',
    toolset: 'contexts',
    method: 'get',
    path: '/v1/contexts/list',
    scopes: ['contexts:read'],
    annotations: READ,
  },
  {
    name: 'contexts_search',
    title: 'Search your contexts',
    description:
      'Full-text search over the names and contents of your contexts, best match first. Pass nextOffset back as offset for more.',
    toolset: 'contexts',
    method: 'get',
    path: '/v1/contexts/search',
    scopes: ['contexts:read'],
    annotations: READ,
  },
  {
    name: 'contexts_get',
    title: 'Read a context',
    description: 'One of your contexts by its ChittyID, with its current version (needed to change it).',
    toolset: 'contexts',
    method: 'get',
    path: '/v1/contexts/{id}',
    scopes: ['contexts:read'],
    annotations: READ,
  },
  {
    name: 'contexts_update',
    title: 'Change a context',
    description:
      'Change fields of one of your contexts. Send the version you last read: if someone changed it since, the call is refused and you should read it again, then retry.',
    toolset: 'contexts',
    method: 'patch',
    path: '/v1/contexts/{id}',
    scopes: ['contexts:write'],
    annotations: UPDATE,
    headers: [VERSION_HEADER],
    require: ['version'],
  },
  {
    name: 'contexts_delete',
    title: 'Delete a context',
    description:
      'Delete one of your contexts (soft: it is kept but hidden, and its name becomes free). Optionally send the version you last read, to refuse if it changed.',
    toolset: 'contexts',
    method: 'delete',
    path: '/v1/contexts/{id}',
    scopes: ['contexts:write'],
    annotations: DELETE,
    headers: [VERSION_HEADER],
    emptyResult: { deleted: true },
  },
  {
    name: 'contexts_timeline',
    title: 'A context’s timeline',
    description: 'What happened to one of your contexts, from ChittyChronicle, newest first, with who did it.',
    toolset: 'contexts',
    method: 'get',
    path: '/v1/contexts/{id}/timeline',
    scopes: ['contexts:read'],
    annotations: READ,
  },
  {
    name: 'contexts_events',
    title: 'A context’s changes and their delivery',
    description:
      'Each change to one of your contexts, newest first, with whether it has reached ChittyDNA and ChittyChronicle yet (sentAt, deliveredAt, lastError).',
    toolset: 'contexts',
    method: 'get',
    path: '/v1/contexts/{id}/events',
    scopes: ['contexts:read'],
    annotations: READ,
  },
  // --- actors -----------------------------------------------------------------------------
  {
    name: 'actors_me',
    title: 'Who am I',
    description: 'The actor behind this credential: ChittyID, type, capabilities, status.',
    toolset: 'actors',
    method: 'get',
    path: '/v1/actors/me',
    scopes: ['profile:read'],
    annotations: READ,
  },
  {
    name: 'actors_get',
    title: 'Look up an actor',
    description: 'An actor by ChittyID: everything for yourself (or with actors:read), the public profile for others.',
    toolset: 'actors',
    method: 'get',
    path: '/v1/actors/{chittyId}',
    scopes: [],
    annotations: READ,
  },
  {
    name: 'actors_register',
    title: 'Register as an actor',
    description:
      'Register the principal behind this credential as a ChittyConnect actor (needed before owning contexts or connections). Registering again changes nothing.',
    toolset: 'actors',
    method: 'post',
    path: '/v1/actors/register',
    scopes: [],
    annotations: { ...CREATE, idempotentHint: true },
  },
  // --- connections ------------------------------------------------------------------------
  {
    name: 'connections_list',
    title: 'List your connections',
    description: 'Your connections, newest first (filters: source, target, status). Pass nextCursor back as cursor for the next page.',
    toolset: 'connections',
    method: 'get',
    path: '/v1/connections/list',
    scopes: ['connections:read'],
    annotations: READ,
  },
  {
    name: 'connections_get',
    title: 'Read a connection',
    description: 'One of your connections: source, target, status, last check, credential key id (never the credential).',
    toolset: 'connections',
    method: 'get',
    path: '/v1/connections/{id}',
    scopes: ['connections:read'],
    annotations: READ,
  },
  {
    name: 'connections_create',
    title: 'Create a connection',
    description:
      'Connect one of your contexts (or yourself) to a ChittyOS service or an http(s) endpoint, with credentials that are stored encrypted and never shown again. Pass idempotencyKey to make a retry safe.',
    toolset: 'connections',
    method: 'post',
    path: '/v1/connections',
    scopes: ['connections:write'],
    annotations: CREATE,
  },
  {
    name: 'connections_status',
    title: 'Check a connection now',
    description: 'Check the connection’s target now and record the result (status active or failed, last check, error count).',
    toolset: 'connections',
    method: 'get',
    path: '/v1/connections/{id}/status',
    scopes: ['connections:read'],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  },
  {
    name: 'connections_checks',
    title: 'A connection’s health history',
    description: 'The connection’s recent health checks, newest first: when, reachable or not, latency, HTTP status, why not.',
    toolset: 'connections',
    method: 'get',
    path: '/v1/connections/{id}/checks',
    scopes: ['connections:read'],
    annotations: READ,
  },
  {
    name: 'connections_delete',
    title: 'Disconnect',
    description: 'Disconnect one of your connections: its status becomes disconnected and its credentials are destroyed.',
    toolset: 'connections',
    method: 'delete',
    path: '/v1/connections/{id}',
    scopes: ['connections:write'],
    annotations: DELETE,
    emptyResult: { disconnected: true },
  },
  {
    name: 'connections_call',
    title: 'Call a connection’s target',
    description:
      'Call the target of one of your connections through ChittyConnect, which injects the stored credentials (you never see them). path is relative to the connection’s endpoint; the target’s answer comes back as status, content type and body.',
    toolset: 'connections',
    method: 'get',
    path: '/v1/connections/{id}/proxy/{path}',
    scopes: ['connections:use'],
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    proxy: true,
  },
  // --- delegation -------------------------------------------------------------------------
  {
    name: 'delegation_issue',
    title: 'Delegate capabilities',
    description:
      'Issue a delegation token: you delegate a subset of your capabilities to subject (an actor ChittyID or a service name) for audience, for expiresIn seconds. The token is shown once.',
    toolset: 'delegation',
    method: 'post',
    path: '/v1/delegate',
    scopes: ['delegations:manage'],
    annotations: CREATE,
    omit: ['parentToken'],
    require: ['audience'],
  },
  {
    name: 'delegation_derive',
    title: 'Derive a narrower delegation',
    description:
      'Derive a token from one you hold (you must be its subject): scopes, expiry and audience can only narrow, and you are added to its actor chain. The token is shown once.',
    toolset: 'delegation',
    method: 'post',
    path: '/v1/delegate',
    scopes: [],
    annotations: CREATE,
    require: ['parentToken'],
  },
  {
    name: 'delegation_validate',
    title: 'Check a delegation token',
    description: 'Check a delegation token now (revocations count at once): valid, or the reason it is not, and its claims.',
    toolset: 'delegation',
    method: 'post',
    path: '/v1/delegate/validate',
    scopes: [],
    annotations: READ,
  },
  {
    name: 'delegation_list',
    title: 'List delegations',
    description:
      'The delegations you are part of (you delegated, directly or upstream, or were delegated to), newest first, with parent, lineage root and state; all=true lists every one (admin).',
    toolset: 'delegation',
    method: 'get',
    path: '/v1/delegations',
    scopes: ['delegations:manage'],
    annotations: READ,
  },
  {
    name: 'delegation_revoke',
    title: 'Revoke a delegation',
    description: 'Revoke a delegation token and every token derived from it (for its issuer, an earlier delegator, or an admin).',
    toolset: 'delegation',
    method: 'delete',
    path: '/v1/delegate/{tokenId}',
    scopes: [],
    annotations: DELETE,
    emptyResult: { revoked: true },
  },
  // --- API keys ---------------------------------------------------------------------------
  {
    name: 'keys_list',
    title: 'List your API keys',
    description: 'Your API keys: ids, names, scopes, expiry and last use (never the keys).',
    toolset: 'keys',
    method: 'get',
    path: '/v1/keys',
    scopes: ['keys:manage'],
    annotations: READ,
  },
  {
    name: 'keys_create',
    title: 'Create an API key',
    description: 'Provision an API key with a subset of your capabilities. The key is shown once.',
    toolset: 'keys',
    method: 'post',
    path: '/v1/keys',
    scopes: ['keys:manage'],
    annotations: CREATE,
  },
  {
    name: 'keys_revoke',
    title: 'Revoke an API key',
    description: 'Revoke one of your API keys; it stops working at once.',
    toolset: 'keys',
    method: 'delete',
    path: '/v1/keys/{keyId}',
    scopes: ['keys:manage'],
    annotations: DELETE,
    emptyResult: { revoked: true },
  },
  // --- GitHub App (admin) -----------------------------------------------------------------
  {
    name: 'github_installations',
    title: 'GitHub App installations',
    description: 'Installations of the ChittyConnect GitHub App, with their accounts and repositories.',
    toolset: 'github',
    method: 'get',
    path: '/v1/github/installations',
    scopes: ['admin'],
    annotations: READ,
  },
  {
    name: 'github_installation',
    title: 'One GitHub App installation',
    description: 'One installation of the GitHub App by id.',
    toolset: 'github',
    method: 'get',
    path: '/v1/github/installations/{installationId}',
    scopes: ['admin'],
    annotations: READ,
  },
  {
    name: 'github_deliveries',
    title: 'GitHub deliveries',
    description: 'Webhook deliveries processed, failed or in progress, newest first, with their error when failed.',
    toolset: 'github',
    method: 'get',
    path: '/v1/github/deliveries',
    scopes: ['admin'],
    annotations: READ,
  },
  {
    name: 'github_delivery_stats',
    title: 'GitHub delivery counts',
    description: 'Counts of deliveries by status since a time, with the first arrival and the last completion.',
    toolset: 'github',
    method: 'get',
    path: '/v1/github/deliveries/stats',
    scopes: ['admin'],
    annotations: READ,
  },
  {
    name: 'github_replay_delivery',
    title: 'Replay a failed delivery',
    description: 'Process one failed GitHub delivery again.',
    toolset: 'github',
    method: 'post',
    path: '/v1/github/deliveries/{deliveryId}/replay',
    scopes: ['admin'],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  },
  {
    name: 'github_replay_window',
    title: 'Replay failed deliveries in a window',
    description: 'Process again every failed GitHub delivery received in a time window.',
    toolset: 'github',
    method: 'post',
    path: '/v1/github/deliveries/replay',
    scopes: ['admin'],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  },
  {
    name: 'github_repositories',
    title: 'Repositories of the App',
    description: 'Repositories the GitHub App is installed on, by name. Pass nextAfter back as after for the next page.',
    toolset: 'github',
    method: 'get',
    path: '/v1/github/repositories',
    scopes: ['admin'],
    annotations: READ,
  },
  {
    name: 'github_repository',
    title: 'A repository',
    description:
      'One repository the App is installed on (owner/repo), with its default branch’s latest analysis and how many findings are open there.',
    toolset: 'github',
    method: 'get',
    path: '/v1/github/repositories/{owner}/{repo}',
    scopes: ['admin'],
    annotations: READ,
  },
  {
    name: 'github_pr_analysis',
    title: 'Findings of a pull request',
    description:
      'A pull request’s latest analysis (head, check run, conclusion, counts) and every finding it has shown: rule, file, line, severity, and whether the latest head still has it.',
    toolset: 'github',
    method: 'get',
    path: '/v1/github/repositories/{owner}/{repo}/pulls/{number}/analysis',
    scopes: ['admin'],
    annotations: READ,
  },
  {
    name: 'github_issue_triage',
    title: 'Triage of an issue',
    description:
      'An issue’s triage: the type, labels, priority and reasons the classifier gives it, the labels the App applied and those people removed.',
    toolset: 'github',
    method: 'get',
    path: '/v1/github/repositories/{owner}/{repo}/issues/{number}/triage',
    scopes: ['admin'],
    annotations: READ,
  },
  // --- operations (admin) -----------------------------------------------------------------
  {
    name: 'admin_outbox',
    title: 'Outbox state',
    description: 'Events not yet delivered to ChittyDNA and ChittyChronicle: counts, oldest, and the latest errors.',
    toolset: 'admin',
    method: 'get',
    path: '/v1/admin/outbox',
    scopes: ['admin'],
    annotations: READ,
  },
  {
    name: 'admin_outbox_sweep',
    title: 'Send undelivered events now',
    description: 'Send every undelivered outbox event again now (what the cron sweep does).',
    toolset: 'admin',
    method: 'post',
    path: '/v1/admin/outbox/sweep',
    scopes: ['admin'],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  },
  {
    name: 'admin_dead_letters',
    title: 'Dead letters',
    description: 'Queue messages that exhausted their retries, with the error that stopped them.',
    toolset: 'admin',
    method: 'get',
    path: '/v1/admin/dead-letters',
    scopes: ['admin'],
    annotations: READ,
  },
  {
    name: 'admin_replay_dead_letters',
    title: 'Replay dead letters',
    description: 'Put dead letters back on their live queue, by ids or by queue and time window.',
    toolset: 'admin',
    method: 'post',
    path: '/v1/admin/dead-letters/replay',
    scopes: ['admin'],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  // --- ecosystem --------------------------------------------------------------------------
  {
    name: 'ecosystem_health',
    title: 'Ecosystem health',
    description: 'ChittyConnect’s health: database, start-up steps, and each ChittyOS service’s status, latency and circuit breaker.',
    toolset: 'ecosystem',
    method: 'get',
    path: '/health',
    scopes: [],
    annotations: { ...READ, openWorldHint: true },
  },
];
