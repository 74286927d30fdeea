-- Connections: which encryption key (kid) protects each connection's credentials in API_KEYS, so
-- a key rotation can find the values still under an older key without reading KV. The kid inside
-- the stored value stays authoritative for decryption; this column is the index for re-encryption.
ALTER TABLE connections ADD COLUMN credentials_kid TEXT;

-- Re-encryption walks connections that have credentials, in connection-id order (a cursor).
CREATE INDEX connections_with_credentials ON connections (connection_id) WHERE credentials_ref IS NOT NULL;
