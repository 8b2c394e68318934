-- revision: 6a7b8c9d0e1f
-- down_revision: 9c1d2e3f4a5b
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-12 10:00:00
-- message: add tags

-- migrate:upgrade
CREATE TABLE tags (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE
);
CREATE FUNCTION tag_slug(name text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT lower(regexp_replace(name, '[^a-zA-Z0-9]+', '-', 'g')); $$;

-- migrate:downgrade
DROP FUNCTION tag_slug(text);
DROP TABLE tags;
