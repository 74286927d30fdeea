/**
 * Renders the OpenAPI document as a self-contained HTML reference: no scripts, no CDN, so the
 * page works offline under `npm start` exactly as deployed.
 */

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
}

interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function schemaBlock(schema: unknown): string {
  return schema ? `<pre>${esc(JSON.stringify(schema, null, 2))}</pre>` : '';
}

function renderOperation(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${esc(p.description ?? '')}</td></tr>`,
    )
    .join('');
  const body = Object.entries(op.requestBody?.content ?? {})
    .map(([type, c]) => `<h4>Request body <code>${esc(type)}</code></h4>${schemaBlock(c.schema)}`)
    .join('');
  const responses = Object.entries(op.responses ?? {})
    .map(
      ([status, r]) =>
        `<li><b>${esc(status)}</b> ${esc(r.description ?? '')}${Object.values(r.content ?? {})
          .map((c) => schemaBlock(c.schema))
          .join('')}</li>`,
    )
    .join('');
  const auth = op.security && op.security.length === 0 ? ' <span class="open">no credential</span>' : '';
  return `<section id="${esc(`${method}-${path}`)}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code>${auth}</h3>
<p>${esc(op.summary ?? '')}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${params ? `<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>Description</th></tr>${params}</table>` : ''}
${body}<h4>Responses</h4><ul>${responses}</ul></section>`;
}

export function renderReference(doc: OpenApiDoc): string {
  const ops: string[] = [];
  const toc: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      toc.push(`<li><a href="#${esc(`${method}-${path}`)}">${method.toUpperCase()} ${esc(path)}</a></li>`);
      ops.push(renderOperation(method, path, op));
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(([name, s]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schemaBlock(s)}</section>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code,pre{font:13px ui-monospace,monospace}pre{background:#f4f6f8;padding:.75rem;overflow:auto;border-radius:6px}
section{border-top:1px solid #d8dee4;padding:.5rem 0}.m{display:inline-block;min-width:4.5em;text-align:center;border-radius:4px;color:#fff;padding:0 .3em}
.get{background:#1f6feb}.post{background:#1a7f37}.patch,.put{background:#9a6700}.delete{background:#cf222e}
.open{font-size:12px;color:#57606a}table{border-collapse:collapse}td,th{border:1px solid #d8dee4;padding:.2rem .5rem;text-align:left}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Operations</h2><ul>${toc.join('')}</ul>${ops.join('')}<h2>Schemas</h2>${schemas}</body></html>`;
}
