/**
 * The seven ChittyOS services ChittyConnect calls: their names, default hosts and which secret
 * holds each one's bearer token.
 */
import type { Env } from '../env';

export const SERVICE_NAMES = ['id', 'auth', 'registry', 'dna', 'verify', 'certify', 'chronicle'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Default base URLs, used when discovery has nothing better. */
export const DEFAULT_BASE_URLS: Record<ServiceName, string> = {
  id: 'https://id.chitty.cc',
  auth: 'https://auth.chitty.cc',
  registry: 'https://registry.chitty.cc',
  dna: 'https://dna.chitty.cc',
  verify: 'https://verify.chitty.cc',
  certify: 'https://certify.chitty.cc',
  chronicle: 'https://chronicle.chitty.cc',
};

/** The secret that holds each service's bearer token. */
export const TOKEN_SECRETS: Record<ServiceName, keyof Env> = {
  id: 'CHITTY_ID_SERVICE_TOKEN',
  auth: 'CHITTY_AUTH_SERVICE_TOKEN',
  registry: 'CHITTY_REGISTRY_TOKEN',
  dna: 'CHITTY_DNA_TOKEN',
  verify: 'CHITTY_VERIFY_TOKEN',
  certify: 'CHITTY_CERTIFY_TOKEN',
  chronicle: 'CHITTY_CHRONICLE_TOKEN',
};

/** The var that pins a service's base URL (skipping discovery for it). */
export const URL_OVERRIDES: Record<ServiceName, keyof Env> = {
  id: 'CHITTY_ID_URL',
  auth: 'CHITTY_AUTH_URL',
  registry: 'CHITTY_REGISTRY_URL',
  dna: 'CHITTY_DNA_URL',
  verify: 'CHITTY_VERIFY_URL',
  certify: 'CHITTY_CERTIFY_URL',
  chronicle: 'CHITTY_CHRONICLE_URL',
};
