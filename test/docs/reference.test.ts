/**
 * The API reference at /docs: the worker's page with its strict Content-Security-Policy, and the
 * static files it loads (Swagger UI, copied from node_modules by scripts/docs-assets.mjs, and
 * /docs/init.js), all from this origin. The page is fetched through the worker (SELF); the files
 * through the ASSETS binding, which serves them ahead of the worker in `wrangler dev` and deployed
 * (this pool's SELF reaches the worker only).
 */
import { env } from 'cloudflare:test';
import swaggerUi from 'swagger-ui-dist/package.json';
import { beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/worker';

const assets = (env as unknown as { ASSETS: Fetcher }).ASSETS;
const asset = (path: string) => assets.fetch(`http://connect.test${path}`);

/** The CSP header as directive → sources. */
function directives(csp: string): Record<string, string[]> {
  return Object.fromEntries(
    csp
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name = '', ...sources]) => [name, sources]),
  );
}

/** The values of `attr` on every `<tag …>` of `html`. */
function attributes(html: string, tag: string, attr: string): string[] {
  return [...html.matchAll(new RegExp(`<${tag}\\b[^>]*>`, 'g'))].map((m) => new RegExp(`\\b${attr}="([^"]*)"`).exec(m[0])?.[1] ?? '');
}

let res: Response;
let html: string;
let scripts: string[];
let styles: string[];

beforeAll(async () => {
  res = await get('/docs');
  html = await res.text();
  scripts = attributes(html, 'script', 'src');
  styles = attributes(html, 'link', 'href').filter((_, i) => attributes(html, 'link', 'rel')[i] === 'stylesheet');
});

describe('GET /docs', () => {
  it('answers the page with a strict Content-Security-Policy and the hardening headers', () => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(directives(res.headers.get('content-security-policy') ?? '')).toEqual({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('loads Swagger UI and the init script from this origin only, with nothing inline', () => {
    const vendor = `/docs/vendor/swagger-ui-${swaggerUi.version}`;
    expect(scripts).toEqual([`${vendor}/swagger-ui-bundle.js`, '/docs/init.js']);
    expect(styles).toEqual([`${vendor}/swagger-ui.css`, '/docs/docs.css']);
    // Every URL the page names is a path on this origin (or the empty data: icon, which saves a /favicon.ico request).
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(urls.filter((url) => !(url.startsWith('/') && !url.startsWith('//')) && url !== 'data:,')).toEqual([]);
    // No inline script or style: the CSP would refuse them.
    expect(html.match(/<script\b(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    // The element init.js renders into.
    expect(html).toContain('<main id="swagger-ui">');
  });
});

describe('the files /docs loads (static assets)', () => {
  it('each answers 200 with its content type, nosniff, and the versioned bundle with a year-long cache', async () => {
    for (const path of [...scripts, ...styles]) {
      const file = await asset(path);
      expect(file.status, path).toBe(200);
      expect(file.headers.get('content-type'), path).toMatch(path.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      expect(file.headers.get('x-content-type-options'), path).toBe('nosniff');
      const cache = file.headers.get('cache-control') ?? '';
      if (path.startsWith('/docs/vendor/')) expect(cache, path).toBe('public, max-age=31536000, immutable');
      else expect(cache, path).not.toContain('immutable');
      await file.body?.cancel();
    }
  });

  it('the bundle is Swagger UI of the installed version, and its stylesheet styles it', async () => {
    const [bundlePath = '', initPath = ''] = scripts;
    const bundle = await (await asset(bundlePath)).text();
    expect(bundle.length).toBeGreaterThan(1_000_000);
    expect(bundle).toContain('SwaggerUIBundle');
    expect(bundle).toContain('"Filter by tag or path"');
    expect(initPath).toBe('/docs/init.js');
    const css = await (await asset(styles[0] ?? '')).text();
    expect(css).toContain('.swagger-ui');
    // Licence and notice travel with the copy (Apache-2.0).
    const license = await asset(bundlePath.replace('swagger-ui-bundle.js', 'LICENSE'));
    expect(await license.text()).toContain('Apache License');
  });

  it('the init script points Swagger UI at /openapi.json and this origin, and turns off everything that would call out', async () => {
    const init = await (await asset('/docs/init.js')).text();
    expect(init).toContain("const OPENAPI_URL = '/openapi.json';");
    expect(init).toContain('fetch(OPENAPI_URL');
    expect(init).toContain("dom_id: '#swagger-ui'");
    // "Try it out" goes to the origin that served the page, never to the document's production or staging server.
    expect(init).toContain("spec.servers = [{ url: window.location.origin, description: 'This server' }];");
    // No validator badge (Swagger UI's default calls validator.swagger.io), no document or config taken from the address bar,
    // no credential kept in localStorage, and no absolute URL anywhere.
    expect(init).toContain('validatorUrl: null,');
    expect(init).toContain('queryConfigEnabled: false,');
    expect(init).toContain('persistAuthorization: false,');
    expect(init).not.toMatch(/https?:\/\//);
    // Grouped by tag (Swagger UI's layout) and searchable (its filter box, with our matcher).
    expect(init).toContain('filter: true,');
    expect(init).toContain('plugins: [() => ({ fn: { opsFilter } })]');
  });

  it('a path that names no file is not served from the assets, and the worker answers 404', async () => {
    const missing = `/docs/vendor/swagger-ui-${swaggerUi.version}/swagger-ui-standalone-preset.js`;
    const fromAssets = await asset(missing);
    expect(fromAssets.status).toBe(404);
    await fromAssets.body?.cancel();
    const fromWorker = await get(missing);
    expect(fromWorker.status).toBe(404);
    expect(fromWorker.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    await fromWorker.body?.cancel();
    // The headers file configures the assets; it is not one.
    expect((await asset('/_headers')).status).toBe(404);
  });
});
