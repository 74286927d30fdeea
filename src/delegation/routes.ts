/**
 * The delegation API: `POST /v1/delegate` (issue, or derive from a parent token),
 * `POST /v1/delegate/validate` (the authoritative check, revocation read from D1 every time),
 * `DELETE /v1/delegate/{tokenId}` (revoke a token and its descendants) and the public
 * `GET /.well-known/jwks.json` (the verification keys, for offline checks by other services).
 * `/v1` routes are authenticated by the app's middleware before they get here.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { authErrors, jsonContent, problem } from '../http/openapi';
import { defaultHook } from '../http/openapi-hook';
import { keyringFromEnv, publicJwks } from './keys';
import {
  claimsJson,
  delegationView,
  issueBody,
  issuedView,
  jwksView,
  listQuery,
  tokenIdParam,
  validateBody,
  validationView,
} from './schema';
import { issueDelegation, listDelegations, revokeDelegation } from './service';
import { checkDelegationToken } from './verify';

const tags = ['Delegation'];

const issue = createRoute({
  method: 'post',
  path: '/v1/delegate',
  tags,
  summary: 'Issue a delegation token, or derive a narrower one from a token you hold',
  description:
    'New token: the caller (a registered, active actor) delegates a subset of its own capabilities to `subject` for `audience`. Derived token: send `parentToken` (or authenticate with the parent token itself); scopes, expiry and audience can only narrow, and the caller is appended to the actor chain.',
  request: { body: { content: jsonContent(issueBody), required: true } },
  responses: {
    201: { description: 'Issued', content: jsonContent(issuedView) },
    400: problem('Invalid request (the field is named)'),
    ...authErrors,
    503: problem('Delegation keys are not configured (delegation_unavailable) or a service is unavailable'),
  },
});

const validate = createRoute({
  method: 'post',
  path: '/v1/delegate/validate',
  tags,
  summary: 'Check a delegation token (authoritative: sees revocations at once)',
  description:
    'Always 200 for a well-formed request. `valid: false` comes with a `reason`: expired, not_yet_valid, revoked, bad_signature, unknown_key, unknown_token, wrong_audience, scope_not_held, malformed, issuer_suspended or subject_suspended.',
  request: { body: { content: jsonContent(validateBody), required: true } },
  responses: {
    200: { description: 'The verdict', content: jsonContent(validationView) },
    400: problem('Invalid request (the field is named)'),
    ...authErrors,
  },
});

const revoke = createRoute({
  method: 'delete',
  path: '/v1/delegate/{tokenId}',
  tags,
  summary: 'Revoke a delegation token and every token derived from it',
  description:
    'Allowed for the token’s issuer, any delegator earlier in its chain, and holders of `admin`. Revoking again is a no-op (204).',
  request: { params: tokenIdParam },
  responses: { 204: { description: 'Revoked' }, 404: problem('No such token'), ...authErrors },
});

const list = createRoute({
  method: 'get',
  path: '/v1/delegations',
  tags,
  summary: 'The delegations you are part of (as a delegator anywhere in the chain, or as the subject), newest first',
  description:
    'Roots and derived tokens alike, each with its parent, lineage root and state now; the tokens themselves are never stored or shown. `all=true` lists every delegation (admin). Needs delegations:manage.',
  request: { query: listQuery },
  responses: {
    200: { description: 'Delegations', content: jsonContent(z.object({ delegations: z.array(delegationView) })) },
    ...authErrors,
  },
});

const jwks = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags,
  summary: 'Public keys that verify delegation tokens (current and previous)',
  security: [],
  responses: {
    200: { description: 'JSON Web Key Set', content: jsonContent(jwksView) },
    503: problem('Delegation keys are not configured'),
  },
});

/** The delegation router, mounted at `/` by the app. */
export const delegationRoutes = new OpenAPIHono<AppEnv>({ defaultHook })
  .openapi(issue, async (c) => {
    const caller = { principal: c.get('principal'), actor: c.get('actor') };
    const { token, claims } = await issueDelegation(c.env, caller, c.req.valid('json'));
    return c.json({ token, ...claimsJson(claims) }, 201, { 'cache-control': 'no-store' });
  })
  .openapi(validate, async (c) => {
    const { token, audience, scopes } = c.req.valid('json');
    const check = await checkDelegationToken(c.env, token, { audience, scopes });
    if (check.valid) return c.json({ valid: true, claims: claimsJson(check.claims) }, 200, { 'cache-control': 'no-store' });
    return c.json(
      {
        valid: false,
        reason: check.reason,
        ...(check.missingScopes ? { missingScopes: check.missingScopes } : {}),
        ...(check.claims ? { claims: claimsJson(check.claims) } : {}),
      },
      200,
      { 'cache-control': 'no-store' },
    );
  })
  .openapi(list, async (c) => {
    const caller = { principal: c.get('principal'), actor: c.get('actor') };
    const { all, limit } = c.req.valid('query');
    const delegations = await listDelegations(c.env, caller, { all: all === 'true', limit });
    return c.json(
      {
        delegations: delegations.map((d) => ({
          tokenId: d.tokenId,
          issuer: d.issuer,
          subject: d.subject,
          audience: d.audience,
          scopes: d.scopes,
          actorChain: d.actorChain,
          parentId: d.parentId,
          rootId: d.rootId,
          issuedAt: d.issuedAt,
          expiresAt: d.expiresAt,
          revokedAt: d.revokedAt,
          revokedBy: d.revokedBy,
          state: d.state,
        })),
      },
      200,
      { 'cache-control': 'no-store' },
    );
  })
  .openapi(revoke, async (c) => {
    const caller = { principal: c.get('principal'), actor: c.get('actor') };
    await revokeDelegation(c.env, caller, c.req.valid('param').tokenId);
    return c.body(null, 204);
  })
  .openapi(jwks, (c) => c.json(publicJwks(keyringFromEnv(c.env)), 200, { 'cache-control': 'public, max-age=300' }));
