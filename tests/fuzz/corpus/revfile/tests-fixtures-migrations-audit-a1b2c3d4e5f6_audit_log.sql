-- revision: a1b2c3d4e5f6
-- down_revision: None
-- branch_labels: audit
-- depends_on: None
-- create_date: 2025-08-15 09:00:00
-- message: audit log

-- migrate:upgrade
CREATE SCHEMA audit;
CREATE TABLE audit.log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    what text NOT NULL
);

-- migrate:downgrade
DROP TABLE audit.log;
DROP SCHEMA audit;
