/**
 * Who is asking: the principal every authenticated handler sees as `c.get('principal')`,
 * whatever credential it came with.
 */

export type ActorType = 'human' | 'ai' | 'service' | 'system';
export type CredentialKind = 'chittyauth' | 'api_key' | 'delegation';

export interface Principal {
  /** The ChittyAuth principal behind the credential (stable before and after registration). */
  principalId: string;
  /** The actor's ChittyConnect ChittyID once registered; until then the ChittyAuth principal id. */
  chittyId: string;
  registered: boolean;
  actorType: ActorType;
  /** What this request may do: the actor's capabilities, narrowed to an API key's or token's scopes. */
  capabilities: string[];
  credential: CredentialKind;
  /** For API keys: the key id. For delegation tokens: the token id. */
  credentialId?: string;
  /**
   * For delegation tokens: the request acts as the original delegator (`chittyId` above); this
   * records who issued the token, whom it was for, and the chain of actors it passed through.
   */
  delegation?: { issuer: string; subject: string; audience: string; actorChain: string[] };
}
