-- +goose Up
-- Ingest speed (issue 16): the latest row no longer carries its values twice. Since 015, cur
-- holds the same facts as vals in a third of the bytes; the store now writes vals only when
-- cur cannot hold them (a name with one of cur's separators) and leaves it NULL otherwise, so
-- every row has exactly one of the two forms that counts: cur when it is not NULL, else vals.
-- Rows stored before keep both (the same values); readers take cur first
-- (COALESCE(cur, vals)), so nothing needs rewriting here.
ALTER TABLE signals ALTER COLUMN vals DROP NOT NULL;

-- +goose Down
-- Forward-only: Advocate never migrates down.
