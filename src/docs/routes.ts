/**
 * `GET /openapi.json` (generated from the route schemas) and `GET /docs` (the API reference: Swagger
 * UI on that document, its files served as static assets, see page.ts). Both are public.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { VERSION } from '../version';
import { documentIdempotency, registerSecuritySchemes, SECURITY, SERVERS } from './document';
import { DOCS_HEADERS, referencePage } from './page';

const INFO = {
  title: 'ChittyConnect',
  version: VERSION,
  description:
    'The connective spine of the ChittyOS ecosystem: contexts, actors and connections, delegated credentials, and the ChittyConnect GitHub App. Errors are application/problem+json with a stable `code`.',
};

/** The OpenAPI document of `app`, generated from its route schemas (call after every route is mounted). */
export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: INFO, servers: SERVERS, security: SECURITY });
  documentIdempotency(doc.paths);
  return doc;
}

export function mountDocs(app: OpenAPIHono<AppEnv>): void {
  registerSecuritySchemes(app);
  const document = () => openApiDocument(app);
  app.get('/openapi.json', (c) => c.json(document()));
  const page = referencePage(INFO.title);
  app.get('/docs', (c) => c.html(page, 200, DOCS_HEADERS));
}
