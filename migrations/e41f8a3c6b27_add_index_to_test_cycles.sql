-- revision: e41f8a3c6b27
-- down_revision: b7e2a4c9d015
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-25 16:02:31
-- message: add index to test cycles

-- The cycle list filters by status and sorts by start date.  CREATE INDEX
-- CONCURRENTLY does not block writes, and cannot run inside a transaction
-- block, hence transaction:false: the statements run one by one in autocommit
-- and the version is recorded afterwards.  If it fails half-way PostgreSQL
-- leaves an INVALID index behind; IF NOT EXISTS would then skip it, so drop
-- it first (DROP INDEX CONCURRENTLY ix_test_cycles_status_start_date) and
-- run the upgrade again.

-- migrate:upgrade transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_test_cycles_status_start_date
    ON test_cycles (status, start_date DESC);

-- migrate:downgrade transaction:false
DROP INDEX CONCURRENTLY IF EXISTS ix_test_cycles_status_start_date;
