/**
 * Emulated DNS-over-HTTPS resolver (host `cloudflare-dns.*`, e.g. `cloudflare-dns.com`): the
 * RFC 8484 JSON API as Cloudflare serves it, for ChittyConnect's resolve-then-check of connection
 * hosts. `GET /dns-query?name=N&type=A|AAAA|CNAME` (or the numeric type) with
 * `accept: application/dns-json` answers `{Status, TC, RD, RA, AD, CD, Question, Answer}`.
 * Every name resolves by default to a public address (A 93.184.215.14, AAAA
 * 2606:2800:21f:cb07:6820:80da:af6b:8b2c); tests steer a name with
 * `PUT /records/{name}` `{"A"?: [...], "AAAA"?: [...], "CNAME"?: "other.name", "status"?: 3}`
 * (status 3 = NXDOMAIN, 2 = SERVFAIL), and remove steering with `DELETE /records/{name}` or
 * `DELETE /records`. Steering lives in module memory, like the control surface's faults; faults
 * (down, slow, error…) apply to this host like to any other. Self-contained: imports only hono.
 */
import { Hono } from 'hono';

interface Steered {
  A?: string[];
  AAAA?: string[];
  CNAME?: string;
  status?: number;
}

interface DnsRecord {
  name: string;
  type: number;
  TTL: number;
  data: string;
}

const TYPES: ReadonlyMap<string, number> = new Map([
  ['A', 1],
  ['CNAME', 5],
  ['AAAA', 28],
  ['1', 1],
  ['5', 5],
  ['28', 28],
]);
const DEFAULT_A = ['93.184.215.14'];
const DEFAULT_AAAA = ['2606:2800:21f:cb07:6820:80da:af6b:8b2c'];
const TTL = 60;
const MAX_CHAIN = 8;

const steering = new Map<string, Steered>();

function canonical(name: string): string {
  return name.trim().toLowerCase().replace(/\.+$/, '');
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** Reads a steering body; null when it is not one. */
function steeredOf(value: unknown): Steered | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const raw = value as { [key: string]: unknown };
  const out: Steered = {};
  if (raw.A !== undefined) {
    if (!isStringList(raw.A)) return null;
    out.A = raw.A;
  }
  if (raw.AAAA !== undefined) {
    if (!isStringList(raw.AAAA)) return null;
    out.AAAA = raw.AAAA;
  }
  if (raw.CNAME !== undefined) {
    if (typeof raw.CNAME !== 'string') return null;
    out.CNAME = canonical(raw.CNAME);
  }
  if (raw.status !== undefined) {
    if (typeof raw.status !== 'number' || !Number.isInteger(raw.status)) return null;
    out.status = raw.status;
  }
  return out;
}

/** Resolves `name` for `type`, following steered CNAMEs; returns the DNS status and answer records. */
function resolve(name: string, type: number): { status: number; answer: DnsRecord[] } {
  const answer: DnsRecord[] = [];
  let current = name;
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const steered = steering.get(current);
    if (steered?.status !== undefined && steered.status !== 0) return { status: steered.status, answer };
    if (steered?.CNAME) {
      answer.push({ name: current, type: 5, TTL, data: `${steered.CNAME}.` });
      if (type === 5) return { status: 0, answer };
      current = steered.CNAME;
      continue;
    }
    if (type === 1) for (const data of steered?.A ?? (steered?.AAAA ? [] : DEFAULT_A)) answer.push({ name: current, type, TTL, data });
    if (type === 28) for (const data of steered?.AAAA ?? (steered?.A ? [] : DEFAULT_AAAA)) answer.push({ name: current, type, TTL, data });
    return { status: 0, answer };
  }
  return { status: 2, answer: [] };
}

export const dohApp = new Hono();

dohApp.get('/dns-query', (c) => {
  const name = c.req.query('name');
  const type = TYPES.get((c.req.query('type') ?? 'A').toUpperCase());
  if (!name || type === undefined) return c.json({ error: 'name and a type of A, AAAA or CNAME are required' }, 400);
  const { status, answer } = resolve(canonical(name), type);
  const body = { Status: status, TC: false, RD: true, RA: true, AD: false, CD: false, Question: [{ name, type }] };
  return c.json(answer.length ? { ...body, Answer: answer } : body, 200, { 'content-type': 'application/dns-json' });
});

dohApp.put('/records/:name', async (c) => {
  let parsed: unknown;
  try {
    parsed = await c.req.json();
  } catch {
    return c.json({ error: 'bad_request', detail: 'JSON body expected' }, 400);
  }
  const steered = steeredOf(parsed);
  if (!steered)
    return c.json({ error: 'bad_request', detail: 'expected {A?: string[], AAAA?: string[], CNAME?: string, status?: int}' }, 400);
  const name = canonical(c.req.param('name'));
  steering.set(name, steered);
  return c.json({ name, records: steered });
});

dohApp.delete('/records/:name', (c) => {
  steering.delete(canonical(c.req.param('name')));
  return c.body(null, 204);
});

dohApp.delete('/records', (c) => {
  steering.clear();
  return c.body(null, 204);
});

dohApp.notFound((c) => c.json({ error: 'not_found' }, 404));
