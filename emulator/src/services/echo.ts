/**
 * Emulated third-party HTTP endpoint (host `echo.*`, e.g. `echo.partner.test`): the target of
 * `http` connections in tests and under `npm start`. Unlike the ChittyOS services it needs no
 * bearer token. Any method on any path answers JSON `{method, path, query, headers, body}` — what
 * it received, so a test can see which headers the proxy injected or stripped — with the status
 * given by `?status=NNN` (default 200). `GET /health` is the usual health answer; `GET …/big?bytes=N`
 * answers N bytes of text (at most 16 MiB), for response-size limits; `GET …/redirect?to=URL`
 * answers 302 to that URL. Faults apply by full host like every other emulated service.
 */
import { Hono } from 'hono';
import { type AppEnv, handleError } from '../http';

const MAX_BIG_BYTES = 16 * 1024 * 1024;

export const echoApp = new Hono<AppEnv>();

echoApp.get('/health', (c) => c.json({ status: 'ok', service: 'echo', version: 'emulator' }));

function statusOf(query: Record<string, string>): number {
  const status = Number(query.status);
  return Number.isInteger(status) && status >= 200 && status <= 599 ? status : 200;
}

echoApp.all('*', async (c) => {
  const url = new URL(c.req.url);
  const query = c.req.query();
  const last = url.pathname.split('/').at(-1);
  if (c.req.method === 'GET' && last === 'big') {
    const bytes = Math.max(0, Math.min(MAX_BIG_BYTES, Number(query.bytes) || 0));
    return new Response('x'.repeat(bytes), { headers: { 'content-type': 'text/plain' } });
  }
  if (c.req.method === 'GET' && last === 'redirect' && query.to) {
    return new Response(null, { status: 302, headers: { location: query.to } });
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of c.req.raw.headers) headers[name.toLowerCase()] = value;
  const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? null : await c.req.text();
  const status = statusOf(query);
  const answer = JSON.stringify({ method: c.req.method, path: url.pathname, query, headers, body });
  return new Response(status === 204 || status === 205 || status === 304 ? null : answer, {
    status,
    headers: {
      'content-type': 'application/json',
      connection: 'x-echo-hop',
      'x-echo-hop': 'hop',
      'keep-alive': 'timeout=5',
      'set-cookie': 'echo=1',
    },
  });
});

echoApp.onError((err) => handleError(err));
