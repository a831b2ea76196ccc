-- +goose Up
-- Dashboard users (issue 14). The email is stored lowercased, so uniqueness is
-- case-insensitive; the password is a bcrypt hash, never the password.
CREATE TABLE web_users (
    email         TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'marketing', 'csm')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
-- copy of the database does not sign anyone in. Removing a user removes its sessions.
CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,
    email       TEXT NOT NULL REFERENCES web_users (email) ON DELETE CASCADE,
    csrf_secret TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- Failed sign-ins, for rate limiting per remote address and per account. Rows older than
-- the window are deleted as new ones arrive.
CREATE TABLE web_login_failures (
    id         BIGSERIAL PRIMARY KEY,
    remote     TEXT NOT NULL,
    email      TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_login_failures_remote ON web_login_failures (remote, at);
CREATE INDEX web_login_failures_email ON web_login_failures (email, at);
