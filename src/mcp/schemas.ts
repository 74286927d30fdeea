/**
 * From a tool's route in the OpenAPI document (itself generated from the routes' zod schemas) to
 * the tool's `inputSchema` and `outputSchema`, and from a call's arguments back to the request
 * that route takes. One source of truth: the route validates every argument when the call runs,
 * and the schemas a model sees are the route's own, `$ref`s inlined.
 *
 * Arguments are flat: path and query parameters, the JSON body's fields, the headers a tool maps
 * (If-Match as `version`) and `idempotencyKey` where the route documents Idempotency-Key.
 */
import { Validator } from '@cfworker/json-schema';
import type { HeaderArgument, ToolDefinition } from './tools';

export type JsonObject = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: JsonObject;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonObject }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonObject }> }>;
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation | unknown>>;
  components?: { schemas?: Record<string, JsonObject> };
}

/** How one tool's arguments become a request, and what it answers. */
export interface ToolPlan {
  definition: ToolDefinition;
  inputSchema: JsonObject & { type: 'object'; properties: Record<string, JsonObject> };
  outputSchema?: JsonObject;
  pathParams: string[];
  queryParams: string[];
  /** The body's own fields taken from the arguments, or `body` as one argument (a non-object body). */
  bodyFields: string[];
  wholeBody: boolean;
  headers: HeaderArgument[];
  /** The route documents Idempotency-Key: the `idempotencyKey` argument sets it. */
  idempotent: boolean;
  /** A 2xx answer that is not an object is reported as `{items: …}`. */
  wrapsArray: boolean;
}

const IDEMPOTENCY_ARGUMENT = 'idempotencyKey';
const PROXY_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keywords whose value is a map of names to schemas, one schema, or a list of schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const ONE_SCHEMA = new Set([
  'items',
  'additionalProperties',
  'not',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
]);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/** OpenAPI's own keywords, which JSON Schema validators reject in strict mode. */
const OPENAPI_ONLY = new Set(['example', 'xml', 'discriminator', 'externalDocs']);

/**
 * A plain JSON Schema: every `#/components/schemas/…` reference inlined (a reference back into a
 * schema being inlined becomes `{}`, any value), OpenAPI-only keywords dropped (`example` kept as
 * `examples`).
 */
export function plainSchema(schema: unknown, components: Record<string, JsonObject>, inlining: readonly string[] = []): unknown {
  if (!isObject(schema)) return schema;
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : undefined;
    const target = name === undefined ? undefined : components[name];
    if (name === undefined || target === undefined) throw new Error(`unresolvable $ref ${ref}`);
    const { $ref: _ref, ...siblings } = schema;
    const resolved = inlining.includes(name) ? {} : (plainSchema(target, components, [...inlining, name]) as JsonObject);
    return { ...resolved, ...(plainSchema(siblings, components, inlining) as JsonObject) };
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (OPENAPI_ONLY.has(key)) {
      if (key === 'example' && !('examples' in schema)) out.examples = [value];
      continue;
    }
    if (SCHEMA_MAPS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainSchema(v, components, inlining)]));
    } else if (ONE_SCHEMA.has(key)) {
      out[key] = Array.isArray(value) ? value.map((v) => plainSchema(v, components, inlining)) : plainSchema(value, components, inlining);
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map((v) => plainSchema(v, components, inlining));
    } else {
      out[key] = value;
    }
  }
  return out;
}

function operationOf(doc: OpenApiDocument, definition: ToolDefinition): Operation {
  const operation = doc.paths?.[definition.path]?.[definition.method];
  if (!isObject(operation)) throw new Error(`tool ${definition.name}: no ${definition.method.toUpperCase()} ${definition.path} in the API`);
  return operation as Operation;
}

function jsonSchemaOf(content: Record<string, { schema?: JsonObject }> | undefined): JsonObject | undefined {
  return content?.['application/json']?.schema;
}

/** The tool's plan, from its route's operation. Throws when the definition and the route disagree. */
export function planTool(doc: OpenApiDocument, definition: ToolDefinition): ToolPlan {
  const components = doc.components?.schemas ?? {};
  const operation = operationOf(doc, definition);
  const properties: Record<string, JsonObject> = {};
  const required = new Set<string>();
  const add = (name: string, schema: JsonObject, isRequired: boolean) => {
    if (name in properties) throw new Error(`tool ${definition.name}: two arguments named ${name}`);
    properties[name] = schema;
    if (isRequired) required.add(name);
  };
  const plan: ToolPlan = {
    definition,
    inputSchema: { type: 'object', properties },
    pathParams: [],
    queryParams: [],
    bodyFields: [],
    wholeBody: false,
    headers: [],
    idempotent: false,
    wrapsArray: false,
  };

  for (const p of operation.parameters ?? []) {
    const schema = { ...(plainSchema(p.schema ?? {}, components) as JsonObject), ...(p.description ? { description: p.description } : {}) };
    if (p.in === 'path') {
      add(p.name, schema, true);
      plan.pathParams.push(p.name);
    } else if (p.in === 'query') {
      add(p.name, schema, p.required === true);
      plan.queryParams.push(p.name);
    } else if (p.in === 'header' && p.name.toLowerCase() === 'idempotency-key') {
      add(
        IDEMPOTENCY_ARGUMENT,
        { ...schema, description: 'Makes a retry safe: the same key and request answer the first reply again (24 h)' },
        false,
      );
      plan.idempotent = true;
    }
  }
  for (const h of definition.headers ?? []) {
    const documented = (operation.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === h.header);
    if (!documented) throw new Error(`tool ${definition.name}: its route does not take the ${h.header} header`);
    add(h.argument, h.schema, false);
    plan.headers.push(h);
  }

  const body = operation.requestBody ? jsonSchemaOf(operation.requestBody.content) : undefined;
  if (body) {
    const schema = plainSchema(body, components) as JsonObject;
    const fields = isObject(schema.properties) ? (schema.properties as Record<string, JsonObject>) : undefined;
    if (schema.type === 'object' && fields) {
      const bodyRequired = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      for (const [name, field] of Object.entries(fields)) {
        add(name, field, operation.requestBody?.required === true && bodyRequired.has(name));
        plan.bodyFields.push(name);
      }
    } else {
      add('body', schema, operation.requestBody?.required === true);
      plan.wholeBody = true;
    }
  }

  if (definition.proxy) {
    add('method', { type: 'string', enum: [...PROXY_METHODS], default: 'GET', description: 'The HTTP method for the target' }, false);
    add('query', { type: 'object', additionalProperties: { type: 'string' }, description: 'Query parameters for the target' }, false);
    add(
      'headers',
      {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'Extra request headers (Authorization, cookies and hop-by-hop headers are never forwarded)',
      },
      false,
    );
    add('body', { description: 'A JSON body for the target (POST, PUT, PATCH)' }, false);
  }

  for (const name of definition.omit ?? []) {
    if (!(name in properties)) throw new Error(`tool ${definition.name}: omits ${name}, which its route does not take`);
    delete properties[name];
    required.delete(name);
    plan.bodyFields = plan.bodyFields.filter((f) => f !== name);
  }
  for (const name of definition.require ?? []) {
    if (!(name in properties)) throw new Error(`tool ${definition.name}: requires ${name}, which its route does not take`);
    required.add(name);
  }
  if (required.size > 0) plan.inputSchema.required = [...required];
  plan.inputSchema.additionalProperties = false;

  plan.outputSchema = outputSchemaOf(plan, operation, components);
  return plan;
}

function outputSchemaOf(plan: ToolPlan, operation: Operation, components: Record<string, JsonObject>): JsonObject | undefined {
  const { definition } = plan;
  if (definition.proxy) {
    return {
      type: 'object',
      properties: {
        status: { type: 'integer', description: 'The target’s HTTP status' },
        contentType: { type: ['string', 'null'] },
        body: { description: 'The target’s answer: JSON when it sent JSON, else text' },
      },
      required: ['status', 'contentType', 'body'],
    };
  }
  const success = Object.entries(operation.responses ?? {}).find(([code]) => /^2\d\d$/.test(code));
  const schema = success ? jsonSchemaOf(success[1].content) : undefined;
  if (!schema) {
    if (!definition.emptyResult) return undefined;
    const fields = Object.fromEntries(Object.entries(definition.emptyResult).map(([k, v]) => [k, { const: v }]));
    return { type: 'object', properties: fields, required: Object.keys(fields) };
  }
  const plain = plainSchema(schema, components) as JsonObject;
  // MCP wants an object at the root: an allOf/anyOf of objects is one, and says so.
  if (isObjectSchema(plain)) return plain.type === 'object' ? plain : { type: 'object', ...plain };
  plan.wrapsArray = true;
  return { type: 'object', properties: { items: plain }, required: ['items'] };
}

/** The schema only admits objects: `type: object`, one allOf branch that does, or every anyOf/oneOf branch. */
function isObjectSchema(schema: JsonObject): boolean {
  if (schema.type !== undefined) return schema.type === 'object';
  const objects = (list: unknown) => (Array.isArray(list) ? list.map((b) => isObject(b) && isObjectSchema(b)) : []);
  if (objects(schema.allOf).some(Boolean)) return true;
  return [schema.anyOf, schema.oneOf].some((list) => {
    const each = objects(list);
    return each.length > 0 && each.every(Boolean);
  });
}

const validators = new WeakMap<ToolPlan, Validator>();

/** What is wrong with the arguments against the tool's published input schema (at most five things). */
function argumentErrors(plan: ToolPlan, args: JsonObject): string[] {
  let validator = validators.get(plan);
  if (!validator) {
    validator = new Validator(plan.inputSchema as ConstructorParameters<typeof Validator>[0], '2020-12', false);
    validators.set(plan, validator);
  }
  const { valid, errors } = validator.validate(args);
  if (valid) return [];
  const leaves = errors.filter((e) => !['properties', 'items', 'allOf', '$ref'].includes(e.keyword));
  const lines = leaves.map((e) => `${e.instanceLocation.replace(/^#\/?/, '') || 'arguments'}: ${e.error}`);
  return [...new Set(lines)].slice(0, 5);
}

/** An argument the tool does not take, or a required one missing: the model can fix the call. */
export class ArgumentError extends Error {}

/** The request a call makes: its route, with the arguments in the path, the query, the headers and the body. */
export function requestFor(plan: ToolPlan, args: JsonObject, origin: string): Request {
  const { definition } = plan;
  const known = new Set(Object.keys(plan.inputSchema.properties));
  const unknown = Object.keys(args).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new ArgumentError(`${definition.name} does not take ${unknown.join(', ')}; it takes ${[...known].join(', ') || 'no arguments'}.`);
  }
  const missing = ((plan.inputSchema.required as string[] | undefined) ?? []).filter((k) => args[k] === undefined);
  if (missing.length > 0) throw new ArgumentError(`${definition.name} needs ${missing.join(', ')}.`);
  const wrong = argumentErrors(plan, args);
  if (wrong.length > 0) throw new ArgumentError(`${definition.name}: ${wrong.join('; ')}.`);

  let path = definition.path;
  for (const name of plan.pathParams) {
    const value = String(args[name]);
    // `.` and `..` would be resolved away by the URL and reach another route than this tool's.
    if (value.split('/').some((segment) => segment === '.' || segment === '..')) {
      throw new ArgumentError(`${definition.name}: ${name} must not contain "." or ".." segments.`);
    }
    // The proxy's path keeps its slashes (each segment encoded); any other parameter is one segment.
    const encoded = definition.proxy && name === 'path' ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
    path = path.replace(`{${name}}`, encoded);
  }
  const url = new URL(path, origin);
  for (const name of plan.queryParams) {
    const value = args[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(v));
  }
  const headers = new Headers();
  for (const h of plan.headers) if (args[h.argument] !== undefined) headers.set(h.header, h.format(args[h.argument]));
  if (plan.idempotent && typeof args[IDEMPOTENCY_ARGUMENT] === 'string') headers.set('idempotency-key', args[IDEMPOTENCY_ARGUMENT]);

  let method = definition.method.toUpperCase();
  let body: string | undefined;
  if (definition.proxy) {
    method = typeof args.method === 'string' ? args.method : 'GET';
    if (isObject(args.query)) for (const [k, v] of Object.entries(args.query)) url.searchParams.append(k, String(v));
    if (isObject(args.headers)) for (const [k, v] of Object.entries(args.headers)) headers.set(k, String(v));
    if (args.body !== undefined) {
      if (method === 'GET' || method === 'DELETE') throw new ArgumentError(`${definition.name}: a body needs method POST, PUT or PATCH.`);
      body = JSON.stringify(args.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  } else if (plan.wholeBody) {
    if (args.body !== undefined) body = JSON.stringify(args.body);
  } else if (plan.bodyFields.length > 0 || ['POST', 'PATCH', 'PUT'].includes(method)) {
    const fields = Object.fromEntries(plan.bodyFields.filter((f) => args[f] !== undefined).map((f) => [f, args[f]]));
    if (plan.bodyFields.length > 0) body = JSON.stringify(fields);
  }
  if (body !== undefined) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    // With its length declared, the body limit checks it without re-creating the Request, which
    // would lose the mark that the caller was already admitted (auth/internal-call.ts).
    headers.set('content-length', String(new TextEncoder().encode(body).byteLength));
  }
  return new Request(url, { method, headers, body });
}
