-- Dashboard logins. The cookie carries a random token; only its SHA-256 is stored, as for API
-- tokens, and each session has its own CSRF token that every mutation must echo in a header.
CREATE TABLE sessions (
    token_sha256    BYTEA PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id),
    csrf_token      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Chat replies on or off, flipped live from the dashboard.
INSERT INTO settings (key, value) VALUES ('chat_replies', 'true') ON CONFLICT (key) DO NOTHING;
