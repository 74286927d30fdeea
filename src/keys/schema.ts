/** The API key record (declared in auth/, which reads it on every request with an X-API-Key). */
export type { ApiKeyRecord } from '../auth/schema';
