/**
 * A change an agent makes through MCP with a delegation is recorded as the agent's, acting for its
 * person: the event ChittyChronicle receives carries `by` with the person's ChittyID, the credential
 * kind, the RFC 8693 `act` chain (the agent outermost) and the tool.
 */
import { describe, expect, it } from 'vitest';
import { call, registeredActor } from '../helpers/actors';
import { callOk, mcpClient } from '../helpers/mcp';
import { waitForDelivery } from '../helpers/outbox';

interface Timeline {
  events: { eventType: string; data?: { by?: unknown } }[];
}

async function delegate(token: string, body: Record<string, unknown>): Promise<{ token: string }> {
  const res = await call('/v1/delegate', token, { method: 'POST', json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { token: string };
}

describe('attribution of an agent’s writes', () => {
  it('Chronicle gets the person, the act chain (agent, then the delegate before it) and the tool', async () => {
    const alice = await registeredActor('human');
    const helper = await registeredActor('ai');
    const agent = await registeredActor('ai');
    // Alice delegates to her helper agent, which derives a narrower token for a second agent.
    const first = await delegate(alice.token, {
      subject: helper.chittyId,
      audience: 'chittyconnect',
      scopes: ['contexts:read', 'contexts:write'],
    });
    const derived = await delegate(helper.token, { subject: agent.chittyId, scopes: ['contexts:write'], parentToken: first.token });

    const client = await mcpClient({ token: derived.token });
    const created = await callOk<{ chittyId: string }>(client, 'contexts_create', { name: `by-agent-${crypto.randomUUID().slice(0, 8)}` });
    await client.close();
    expect(await waitForDelivery([created.chittyId])).toBe(0);

    const timeline = (await (await call(`/v1/contexts/${created.chittyId}/timeline`, alice.token)).json()) as Timeline;
    const entry = timeline.events.find((e) => e.eventType === 'context.created');
    expect(entry?.data?.by).toEqual({
      chittyId: alice.chittyId,
      via: 'delegation',
      act: { sub: agent.chittyId, act: { sub: helper.chittyId } },
      mcpTool: 'contexts_create',
    });
  });

  it('a person’s own REST write says so, with no act chain', async () => {
    const bob = await registeredActor('human');
    const res = await call('/v1/contexts/create', bob.token, {
      method: 'POST',
      json: { name: `by-bob-${crypto.randomUUID().slice(0, 8)}` },
    });
    const created = (await res.json()) as { chittyId: string };
    expect(await waitForDelivery([created.chittyId])).toBe(0);
    const timeline = (await (await call(`/v1/contexts/${created.chittyId}/timeline`, bob.token)).json()) as Timeline;
    expect(timeline.events.find((e) => e.eventType === 'context.created')?.data?.by).toEqual({ chittyId: bob.chittyId, via: 'chittyauth' });
  });
});
