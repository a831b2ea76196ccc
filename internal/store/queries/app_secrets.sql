-- name: AppSecret
SELECT value FROM app_secrets WHERE name = ?;

-- name: InsertAppSecret
INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING;
