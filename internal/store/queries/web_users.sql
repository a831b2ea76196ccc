-- name: InsertWebUser
INSERT INTO web_users (email, role, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (email) DO NOTHING;

-- name: WebUser
SELECT email, role, password_hash, created_at FROM web_users WHERE email = ?;

-- name: WebUsers
SELECT email, role, password_hash, created_at FROM web_users ORDER BY email;

-- name: DeleteWebUser
DELETE FROM web_users WHERE email = ?;

-- name: DeleteUserSessions
DELETE FROM web_sessions WHERE email = ?;

-- name: InsertWebSession
INSERT INTO web_sessions (token_hash, email, csrf_secret, created_at, expires_at) VALUES (?, ?, ?, ?, ?);

-- name: DeleteExpiredSessions
DELETE FROM web_sessions WHERE expires_at <= ?;

-- name: WebSession
SELECT s.token_hash, s.email, u.role, s.csrf_secret, s.created_at, s.expires_at
FROM web_sessions s JOIN web_users u ON u.email = s.email
WHERE s.token_hash = ? AND s.expires_at > ?;

-- name: DeleteWebSession
DELETE FROM web_sessions WHERE token_hash = ?;

-- name: InsertLoginFailure
INSERT INTO web_login_failures (remote, email, at) VALUES (?, ?, ?);

-- name: PruneLoginFailures
DELETE FROM web_login_failures WHERE at <= ?;

-- name: LoginFailuresOfRemote
SELECT count(*) FROM web_login_failures WHERE remote = ? AND at > ?;

-- name: LoginFailuresOfEmail
SELECT count(*) FROM web_login_failures WHERE email = ? AND at > ?;

-- name: ClearLoginFailures
DELETE FROM web_login_failures WHERE email = ?;
