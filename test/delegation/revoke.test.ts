/**
 * `DELETE /v1/delegate/{tokenId}`: who may revoke (the issuer, a delegator earlier in the chain,
 * an admin — nobody else), 404 for unknown ids, idempotence, the row and its outbox event written
 * together, descendants marked too, and validation seeing the revocation at once — even for a
 * descendant whose own row was never marked (a derivation racing the revoke).
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { delegate, outboxOf, type Problem, registeredActor, revoke, validate } from './support';

async function setup() {
  const alice = await registeredActor('human', ['reports:read']);
  const bob = await registeredActor('service', []);
  const carol = await registeredActor('service', []);
  const parent = await delegate(alice, { subject: bob.chittyId, audience: 'chittyconnect', scopes: ['reports:read'] });
  const child = await delegate(bob, { subject: carol.chittyId, scopes: ['reports:read'], parentToken: parent.token });
  return { alice, bob, carol, parent, child };
}

async function revokedAt(tokenId: string): Promise<{ revoked_at: string | null; revoked_by: string | null } | null> {
  return env.DB.prepare('SELECT revoked_at, revoked_by FROM delegations WHERE token_id = ?').bind(tokenId).first();
}

describe('DELETE /v1/delegate/{tokenId}', () => {
  it('only the issuer, an earlier delegator or an admin may revoke; others get 403 and change nothing', async () => {
    const { alice, bob, carol, parent, child } = await setup();
    const stranger = await registeredActor('human', ['reports:read']);
    const byStranger = await revoke(stranger, parent.tokenId);
    expect(byStranger.status).toBe(403);
    expect(((await byStranger.json()) as Problem).code).toBe('not_token_issuer');
    // bob holds the parent (its subject) but did not issue it; carol holds the child.
    expect((await revoke(bob, parent.tokenId)).status).toBe(403);
    expect((await revoke(carol, child.tokenId)).status).toBe(403);
    expect((await revokedAt(parent.tokenId))?.revoked_at).toBeNull();
    expect((await revokedAt(child.tokenId))?.revoked_at).toBeNull();
    expect((await outboxOf(parent.tokenId)).map((e) => e.event_type)).toEqual(['delegation.issued']);

    // alice, the original delegator, may revoke the child bob issued; the parent stays valid.
    expect((await revoke(alice, child.tokenId)).status).toBe(204);
    expect((await validate(carol, { token: child.token })).reason).toBe('revoked');
    expect((await validate(carol, { token: parent.token })).valid).toBe(true);

    const admin = await registeredActor('human', ['admin']);
    expect((await revoke(admin, parent.tokenId)).status).toBe(204);
    expect(await revokedAt(parent.tokenId)).toMatchObject({ revoked_by: admin.chittyId });
  });

  it('the issuer revokes: row and outbox event together, descendants marked, twice is fine', async () => {
    const { alice, bob, carol, parent, child } = await setup();
    const before = Date.now();
    const res = await revoke(alice, parent.tokenId);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    const row = await revokedAt(parent.tokenId);
    expect(row?.revoked_by).toBe(alice.chittyId);
    expect(Date.parse(row?.revoked_at ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(await revokedAt(child.tokenId)).toEqual(row);

    const events = await outboxOf(parent.tokenId);
    expect(events.map((e) => e.event_type)).toEqual(['delegation.issued', 'delegation.revoked']);
    const revokedEvent = events[1];
    expect(revokedEvent?.created_at).toBe(row?.revoked_at);
    expect(JSON.parse(revokedEvent?.payload ?? '{}')).toMatchObject({
      tokenId: parent.tokenId,
      revokedBy: alice.chittyId,
      includesDescendants: true,
    });
    expect(revokedEvent?.payload).not.toContain(parent.token.split('.')[2]);

    expect((await revoke(alice, parent.tokenId)).status).toBe(204);
    expect((await outboxOf(parent.tokenId)).length).toBe(2);
    expect((await revoke(bob, child.tokenId)).status).toBe(204);
    expect((await validate(carol, { token: child.token })).reason).toBe('revoked');
  });

  it('a descendant whose row was not marked is still revoked through its ancestor', async () => {
    const { alice, carol, parent, child } = await setup();
    expect((await revoke(alice, parent.tokenId)).status).toBe(204);
    // As if the child had been derived in the instant between the parent's check and its revoke.
    await env.DB.prepare('UPDATE delegations SET revoked_at = NULL, revoked_by = NULL WHERE token_id = ?').bind(child.tokenId).run();
    expect((await validate(carol, { token: child.token })).reason).toBe('revoked');
  });

  it('unknown id → 404; a malformed id → 400', async () => {
    const { alice } = await setup();
    const res = await revoke(alice, 'dlg_00000000000000000000000000000000');
    expect(res.status).toBe(404);
    expect(((await res.json()) as Problem).code).toBe('delegation_not_found');
    const bad = await revoke(alice, 'not%20an%20id');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors?.[0]?.field).toBe('param.tokenId');
  });
});
