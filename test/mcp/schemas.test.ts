/**
 * The tools and the REST API cannot drift: every tool's input schema, as tools/list shows it, is
 * its route's parameters and body as /openapi.json documents them (references resolved here by
 * the test's own reader), and its output schema is the route's success answer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TOOLS } from '../../src/mcp/tools';
import { registeredActor } from '../helpers/actors';
import { mcpClient } from '../helpers/mcp';
import { get } from '../helpers/worker';

type Json = Record<string, unknown>;
interface Op {
  parameters?: { name: string; in: string; required?: boolean; schema?: Json; description?: string }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

let doc: { paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, Json> } };
let tools: Map<string, { inputSchema: Json & { properties: Record<string, Json>; required?: string[] }; outputSchema?: Json }>;

beforeAll(async () => {
  doc = (await (await get('/openapi.json')).json()) as typeof doc;
  const admin = await registeredActor('human', ['admin']);
  const client = await mcpClient({ token: admin.token });
  const listed = await client.listTools();
  await client.close();
  tools = new Map(listed.tools.map((t) => [t.name, t as never]));
});

/** The test's own reading of an OpenAPI schema: references resolved, `example` as JSON Schema's `examples`. */
function resolve(schema: unknown, seen: string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((s) => resolve(s, seen));
  if (typeof schema !== 'object' || schema === null) return schema;
  const { $ref, example, ...rest } = schema as Json;
  const out: Json = {};
  if (typeof $ref === 'string') {
    const name = $ref.split('/').pop() ?? '';
    Object.assign(out, seen.includes(name) ? {} : resolve(doc.components.schemas[name], [...seen, name]));
  }
  if (example !== undefined && !('examples' in rest)) out.examples = [example];
  for (const [k, v] of Object.entries(rest)) {
    out[k] =
      k === 'properties' || k === '$defs'
        ? Object.fromEntries(Object.entries(v as Json).map(([n, s]) => [n, resolve(s, seen)]))
        : resolve(v, seen);
  }
  return out;
}

describe('tools and routes', () => {
  it('every tool is listed for an admin, and its route exists in the OpenAPI document', () => {
    for (const t of TOOLS) {
      expect(tools.has(t.name), t.name).toBe(true);
      expect(doc.paths[t.path]?.[t.method], `${t.method} ${t.path}`).toBeDefined();
    }
  });

  it('each input property is the route’s own parameter or body field, schema for schema, and none is missing', () => {
    for (const t of TOOLS) {
      const op = doc.paths[t.path]?.[t.method] as Op;
      const input = tools.get(t.name)?.inputSchema;
      expect(input?.type, t.name).toBe('object');
      const props = input?.properties ?? {};
      const expected = new Map<string, unknown>();
      for (const p of op.parameters ?? []) {
        if (p.in === 'path' || p.in === 'query') {
          expected.set(p.name, { ...(resolve(p.schema) as Json), ...(p.description ? { description: p.description } : {}) });
        }
      }
      const body = resolve(op.requestBody?.content?.['application/json']?.schema) as Json | undefined;
      const fields = (body?.properties ?? {}) as Record<string, unknown>;
      for (const [name, schema] of Object.entries(fields)) expected.set(name, schema);
      for (const name of t.omit ?? []) expected.delete(name);
      for (const [name, schema] of expected) expect(props[name], `${t.name}.${name}`).toEqual(schema);
      // Besides the route's own: the mapped headers, idempotencyKey, and the proxy's call shape.
      const extra = Object.keys(props).filter((n) => !expected.has(n));
      const allowed = new Set([
        ...(t.headers ?? []).map((h) => h.argument),
        'idempotencyKey',
        ...(t.proxy ? ['method', 'query', 'headers', 'body'] : []),
      ]);
      expect(
        extra.filter((n) => !allowed.has(n)),
        t.name,
      ).toEqual([]);
      // Required: path parameters, required query parameters and body fields, and what the tool adds.
      const required = new Set(input?.required ?? []);
      for (const p of op.parameters ?? [])
        if (p.in === 'path' || (p.in === 'query' && p.required)) expect(required.has(p.name), `${t.name} needs ${p.name}`).toBe(true);
      if (op.requestBody?.required) {
        for (const f of (body?.required as string[] | undefined) ?? [])
          if (!(t.omit ?? []).includes(f)) expect(required.has(f), `${t.name} needs ${f}`).toBe(true);
      }
      for (const r of t.require ?? []) expect(required.has(r), `${t.name} requires ${r}`).toBe(true);
    }
  });

  it('each output schema is the route’s success answer (objects as they are)', () => {
    for (const t of TOOLS) {
      if (t.proxy) continue;
      const op = doc.paths[t.path]?.[t.method] as Op;
      const success = Object.entries(op.responses ?? {}).find(([code]) => code.startsWith('2'));
      const schema = resolve(success?.[1].content?.['application/json']?.schema) as Json | undefined;
      const output = tools.get(t.name)?.outputSchema;
      if (!schema) {
        expect(output?.properties, t.name).toEqual(
          Object.fromEntries(Object.entries(t.emptyResult ?? {}).map(([k, v]) => [k, { const: v }])),
        );
        continue;
      }
      expect(output?.type, t.name).toBe('object');
      const { type: _type, ...rest } = output ?? {};
      const { type: _t2, ...expected } = schema;
      expect(rest, t.name).toEqual(expected);
    }
  });
});
