/**
 * One MCP server per request (the transport is stateless): tools, and contexts as resources, for
 * one principal. The official SDK's low-level `Server` speaks the protocol (initialize, ping,
 * JSON-RPC errors); the handlers here list what the principal may use and run each call as a
 * request into the app's own route, already authenticated and admitted (see auth/internal-call.ts),
 * so validation, scopes, idempotency, the outbox and audit are exactly the API's.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';
import { UPSTREAM_ANSWER_HEADER } from '../connections/proxy';
import { VERSION } from '../version';
import { ArgumentError, type JsonObject, requestFor, type ToolPlan } from './schemas';
import { inSession, REPOSITORY_RESOURCE_SCOPES, RESOURCE_SCOPES, type Toolset } from './tools';

/** What one session may see: the principal's capabilities, and the client's own narrowing. */
export interface McpScope {
  /** Names this scope (capabilities and narrowing): sessions with the same key see the same tools. */
  key: string;
  covers: (scopes: readonly string[]) => boolean;
  toolsets: ReadonlySet<Toolset>;
  readOnly: boolean;
}

/** Runs a request into the app as the session's principal (for `tool`, when a tool call makes it). */
export type InnerFetch = (request: Request, tool?: string) => Promise<Response>;

export interface CallRecord {
  tool: string;
  outcome: 'ok' | 'error' | 'refused';
  status?: number;
  code?: string;
}

export interface ServerOptions {
  plans: readonly ToolPlan[];
  scope: McpScope;
  origin: string;
  inner: InnerFetch;
  /** Each tool call, once it has an outcome (the audit log). */
  onCall: (record: CallRecord) => void;
}

export const CONTEXT_URI = 'chittyconnect://contexts/';
export const REPOSITORY_URI = 'chittyconnect://repositories/';
const RESOURCE_PAGE = 50;

const INSTRUCTIONS =
  'ChittyConnect is the ChittyOS registry of contexts, actors and connections, delegated credentials, and the GitHub App. ' +
  'Every tool acts as the person who authorized you, with only the scopes they granted. ' +
  'Writes take idempotencyKey: reuse the same key when you retry. Changing a context needs the version from your last read.';

/** Tools this session may list and call: declared scopes covered, in its toolsets, read-only when asked. */
export function visiblePlans(plans: readonly ToolPlan[], scope: McpScope): ToolPlan[] {
  return plans.filter(({ definition: d }) => d.scopes !== undefined && inSession(d, scope) && scope.covers(d.scopes));
}

/** What a model should do about a refusal, by status. */
function advice(status: number, retryAfter: string | null): string {
  if (status === 401) return 'The credential is no longer valid (revoked or expired): the user must authorize again.';
  if (status === 403) return 'This needs a scope or ownership the credential does not have; ask the user for access instead of retrying.';
  if (status === 404) return 'Check the id (list or search first).';
  if (status === 409) return 'It conflicts with the current state; read it again before retrying.';
  if (status === 412) return 'It changed since you read it: read it again and retry with the new version.';
  if (status === 428) return 'Send the version from your last read.';
  if (status === 429) return `Rate limited: retry after ${retryAfter ?? 'a few'} seconds.`;
  if (status >= 500) return `A service is unavailable: retry later${retryAfter ? ` (after ${retryAfter} s)` : ''}.`;
  return 'Fix the arguments and call again.';
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

async function resultOf(plan: ToolPlan, res: Response): Promise<{ result: CallToolResult; code?: string }> {
  const type = res.headers.get('content-type') ?? '';
  if (plan.definition.proxy) {
    const text = await res.text();
    let body: unknown = text;
    if (/json/i.test(type)) {
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON after all: the text
      }
    }
    // The target's answers are results whatever their status; the proxy's own refusals are errors.
    const problem = res.status >= 400 && res.headers.get(UPSTREAM_ANSWER_HEADER) === null;
    const structured = { status: res.status, contentType: type || null, body };
    if (problem) return { result: errorResult(problemText(res, body)), code: codeOf(body) };
    return { result: { structuredContent: structured, content: [{ type: 'text', text: JSON.stringify(structured) }] } };
  }
  if (res.ok) {
    if (res.status === 204 || !/json/i.test(type)) {
      const structured = plan.definition.emptyResult ?? {};
      return { result: { structuredContent: structured, content: [{ type: 'text', text: JSON.stringify(structured) }] } };
    }
    // The route's JSON is the text as it came (parsed once, never serialised again).
    const text = await res.text();
    const body: unknown = JSON.parse(text);
    if (plan.wrapsArray) return { result: { structuredContent: { items: body }, content: [{ type: 'text', text: `{"items":${text}}` }] } };
    return { result: { structuredContent: body as JsonObject, content: [{ type: 'text', text }] } };
  }
  const body: unknown = await res.json().catch(() => null);
  return { result: errorResult(problemText(res, body)), code: codeOf(body) };
}

function codeOf(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && typeof (body as JsonObject).code === 'string'
    ? ((body as JsonObject).code as string)
    : undefined;
}

/** Advice for refusals whose code says more than their status. */
const ADVICE_BY_CODE: Record<string, string> = {
  actor_not_registered: 'Call actors_register first, then retry.',
  version_mismatch: 'Call contexts_get for its current version.',
};

function problemText(res: Response, body: unknown): string {
  const p = (typeof body === 'object' && body !== null ? body : {}) as {
    code?: string;
    detail?: string;
    errors?: { field: string; message: string }[];
  };
  const detail = (p.detail ?? res.statusText).replace(/\.+$/, '');
  const fields = (p.errors ?? []).map((e) => `${e.field}: ${e.message}`).filter((f) => !detail.includes(f));
  const what = fields.length ? `${detail} (${fields.join('; ')})` : detail;
  const todo = (p.code && ADVICE_BY_CODE[p.code]) ?? advice(res.status, res.headers.get('retry-after'));
  return `${res.status} ${p.code ?? 'error'}: ${what}. ${todo}`;
}

/** The tools each scope sees, by scope key (a handful of distinct scopes make nearly all calls). */
const visibleByScope = new WeakMap<readonly ToolPlan[], Map<string, { plans: ToolPlan[]; byName: Map<string, ToolPlan> }>>();
const VISIBLE_CACHE_SIZE = 256;

function visibleTools(all: readonly ToolPlan[], scope: McpScope): { plans: ToolPlan[]; byName: Map<string, ToolPlan> } {
  let cache = visibleByScope.get(all);
  if (!cache) {
    cache = new Map();
    visibleByScope.set(all, cache);
  }
  let entry = cache.get(scope.key);
  if (!entry) {
    const plans = visiblePlans(all, scope);
    entry = { plans, byName: new Map(plans.map((p) => [p.definition.name, p])) };
    if (cache.size >= VISIBLE_CACHE_SIZE) cache.clear();
    cache.set(scope.key, entry);
  }
  return entry;
}

export function createServer(options: ServerOptions): Server {
  const { scope, origin, inner, onCall } = options;
  const { plans, byName } = visibleTools(options.plans, scope);
  const resources = scope.covers(RESOURCE_SCOPES);
  const repositories = scope.covers(REPOSITORY_RESOURCE_SCOPES);

  const server = new Server(
    { name: 'chittyconnect', title: 'ChittyConnect', version: VERSION },
    {
      capabilities: { tools: { listChanged: false }, resources: { listChanged: false } },
      instructions: INSTRUCTIONS,
      // Workers allow no code generation (Ajv's default needs it), and this one is cheap to make per request.
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: plans.map(({ definition: d, inputSchema, outputSchema }) => ({
      name: d.name,
      title: d.title,
      description: d.description,
      inputSchema,
      ...(outputSchema ? { outputSchema } : {}),
      annotations: { title: d.title, ...d.annotations },
      _meta: { 'cc.chitty/scopes': d.scopes, 'cc.chitty/toolset': d.toolset },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const name = request.params.name;
    const plan = byName.get(name);
    if (!plan) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const args = { ...(request.params.arguments ?? {}) } as JsonObject;
    const metaKey = request.params._meta?.['cc.chitty/idempotency-key'];
    if (plan.idempotent && args.idempotencyKey === undefined && typeof metaKey === 'string') args.idempotencyKey = metaKey;
    let inbound: Request;
    try {
      inbound = requestFor(plan, args, origin);
    } catch (err) {
      if (!(err instanceof ArgumentError)) throw err;
      onCall({ tool: name, outcome: 'refused', code: 'invalid_arguments' });
      return errorResult(`invalid_arguments: ${err.message} Fix the arguments and call again.`);
    }
    const res = await inner(inbound, name);
    const { result, code } = await resultOf(plan, res);
    onCall({ tool: name, outcome: result.isError ? 'error' : 'ok', status: res.status, ...(code ? { code } : {}) });
    return result;
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      ...(resources
        ? [
            {
              uriTemplate: `${CONTEXT_URI}{id}`,
              name: 'context',
              title: 'A context',
              description: 'One of your contexts by ChittyID, as JSON',
              mimeType: 'application/json',
            },
          ]
        : []),
      ...(repositories
        ? [
            {
              uriTemplate: `${REPOSITORY_URI}{owner}/{repo}`,
              name: 'repository',
              title: 'A repository of the GitHub App',
              description: 'A repository the App is installed on, with its default branch’s latest analysis, as JSON',
              mimeType: 'application/json',
            },
          ]
        : []),
    ],
  }));

  // One listing of both kinds: contexts first (cursor `c:<contexts cursor>`), then, for admins,
  // repositories (`r:<last full name>`).
  server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
    const cursor = request.params?.cursor;
    if (cursor !== undefined && !/^[cr]:/.test(cursor))
      throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: start again without one.');
    if (cursor === undefined || cursor.startsWith('c:')) {
      if (!resources) return repositories ? repositoryPage('') : { resources: [] };
      const url = new URL('/v1/contexts/list', origin);
      url.searchParams.set('limit', String(RESOURCE_PAGE));
      if (cursor && cursor.length > 2) url.searchParams.set('cursor', cursor.slice(2));
      const res = await inner(new Request(url));
      if (res.status === 400) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: start again without one.');
      if (!res.ok) throw new McpError(ErrorCode.InternalError, `Listing contexts failed (${res.status}).`);
      const page = (await res.json()) as {
        contexts: { chittyId: string; name: string; status: string; updatedAt: string }[];
        nextCursor: string | null;
      };
      const next = page.nextCursor ? `c:${page.nextCursor}` : repositories ? 'r:' : undefined;
      return {
        resources: page.contexts.map((c) => ({
          uri: `${CONTEXT_URI}${c.chittyId}`,
          name: c.name,
          title: c.name,
          description: `Context ${c.chittyId} (${c.status}), updated ${c.updatedAt}`,
          mimeType: 'application/json',
        })),
        ...(next ? { nextCursor: next } : {}),
      };
    }
    if (!repositories) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: start again without one.');
    return repositoryPage(cursor.slice(2));
  });

  async function repositoryPage(after: string) {
    const url = new URL('/v1/github/repositories', origin);
    url.searchParams.set('limit', String(RESOURCE_PAGE));
    if (after) url.searchParams.set('after', after);
    const res = await inner(new Request(url));
    if (res.status === 400) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: start again without one.');
    if (!res.ok) throw new McpError(ErrorCode.InternalError, `Listing repositories failed (${res.status}).`);
    const page = (await res.json()) as { repositories: { fullName: string; installationId: number }[]; nextAfter: string | null };
    return {
      resources: page.repositories.map((r) => ({
        uri: `${REPOSITORY_URI}${r.fullName}`,
        name: r.fullName,
        title: r.fullName,
        description: `Repository ${r.fullName} (installation ${r.installationId})`,
        mimeType: 'application/json',
      })),
      ...(page.nextAfter ? { nextCursor: `r:${page.nextAfter}` } : {}),
    };
  }

  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const uri = request.params.uri;
    const notFound = () => new McpError(-32002, `Resource not found: ${uri}`, { uri });
    let path: string | undefined;
    if (uri.startsWith(CONTEXT_URI) && resources) {
      const id = decodeURIComponent(uri.slice(CONTEXT_URI.length));
      if (id && !id.includes('/')) path = `/v1/contexts/${encodeURIComponent(id)}`;
    } else if (uri.startsWith(REPOSITORY_URI) && repositories) {
      const parts = uri.slice(REPOSITORY_URI.length).split('/');
      if (parts.length === 2 && parts.every((p) => /^[A-Za-z0-9_.-]{1,100}$/.test(p))) path = `/v1/github/repositories/${parts.join('/')}`;
    }
    if (!path) throw notFound();
    const res = await inner(new Request(new URL(path, origin)));
    if (res.status === 404 || res.status === 400) throw notFound();
    if (!res.ok) throw new McpError(ErrorCode.InternalError, `Reading ${uri} failed (${res.status}).`);
    return { contents: [{ uri, mimeType: 'application/json', text: await res.text() }] };
  });

  return server;
}
