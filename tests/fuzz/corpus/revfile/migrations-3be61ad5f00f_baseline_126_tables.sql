-- revision: 3be61ad5f00f
-- down_revision: None
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-04 07:13:48
-- message: baseline 126 tables

-- The baseline revision has no operations.  The 126 tables it stands for are
-- created by the init scripts in sql/init/08032025/, which run before any
-- revision; this revision only marks "the schema as of the baseline" in
-- alembic_version, exactly like the Alembic revision of the same id, so that
-- databases Alembic stamped at 3be61ad5f00f are picked up where they stand.

-- migrate:upgrade

-- migrate:downgrade
