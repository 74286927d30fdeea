-- Delegation tokens issued by ChittyConnect. The token itself is never stored, only its claims;
-- revocation is a column here (strongly consistent), and derived tokens point at their parent.
CREATE TABLE delegations (
  token_id     TEXT PRIMARY KEY,                    -- the JWT's jti
  parent_id    TEXT REFERENCES delegations (token_id),
  root_id      TEXT NOT NULL,                       -- the first token of the chain
  issuer       TEXT NOT NULL,                       -- the delegating actor's ChittyID
  subject      TEXT NOT NULL,
  audience     TEXT NOT NULL,
  scopes       TEXT NOT NULL,                       -- JSON array
  actor_chain  TEXT NOT NULL DEFAULT '[]',          -- JSON array, RFC 8693 act chain, outermost first
  key_id       TEXT NOT NULL,
  issued_at    TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  revoked_at   TEXT,
  revoked_by   TEXT
);

CREATE INDEX delegations_parent ON delegations (parent_id);
CREATE INDEX delegations_root ON delegations (root_id);
CREATE INDEX delegations_issuer ON delegations (issuer, issued_at);
