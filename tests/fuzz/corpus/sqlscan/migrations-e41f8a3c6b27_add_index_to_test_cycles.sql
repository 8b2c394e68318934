-- revision: e41f8a3c6b27
-- down_revision: b7e2a4c9d015
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-25 16:02:31
-- message: add index to test cycles

-- The cycle list filters by status and sorts by start date.  CREATE INDEX
-- CONCURRENTLY does not block writes, and cannot run inside a transaction
-- block, hence transaction:false: the statements run one by one in autocommit
-- and the version is recorded after the last one.
--
-- An interrupted CREATE INDEX CONCURRENTLY (the container stopped, a lock
-- timeout, the server restarted) leaves an INVALID index behind: never used
-- by queries, yet updated on every write.  The version is not recorded, so
-- the next start runs this section again; with IF NOT EXISTS alone it would
-- skip the invalid index and report success (verify would then fail on it).
-- Dropping whatever is there first makes the section recover by itself: a
-- leftover of an interrupted run is dropped and built again.  The index is
-- new in this revision, so nothing else owns its name.

-- migrate:upgrade transaction:false
DROP INDEX CONCURRENTLY IF EXISTS ix_test_cycles_status_start_date;
CREATE INDEX CONCURRENTLY ix_test_cycles_status_start_date
    ON test_cycles (status, start_date DESC);

-- migrate:downgrade transaction:false
DROP INDEX CONCURRENTLY IF EXISTS ix_test_cycles_status_start_date;
