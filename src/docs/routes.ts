/**
 * `GET /openapi.json` (generated from the route schemas) and `GET /docs` (the same document as an
 * HTML page). Both are public.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { VERSION } from '../version';
import { renderReference } from './render';

const INFO = {
  title: 'ChittyConnect',
  version: VERSION,
  description:
    'The connective spine of the ChittyOS ecosystem: contexts, actors and connections, delegated credentials, and the ChittyConnect GitHub App. Errors are application/problem+json with a stable `code`.',
};

export function mountDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A ChittyAuth bearer token, an API key, or a ChittyConnect delegation token',
  });
  const document = () => app.getOpenAPI31Document({ openapi: '3.1.0', info: INFO, security: [{ bearer: [] }] });
  app.get('/openapi.json', (c) => c.json(document()));
  app.get('/docs', (c) => c.html(renderReference(document() as unknown as Parameters<typeof renderReference>[0])));
}
