-- revision: b7e2a4c9d015
-- down_revision: 9c1d2e3f4a5b
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-18 09:41:05
-- message: update report status enum

-- Adds 'pending_approval' between 'under_review' and 'approved'.
--
-- PostgreSQL 12 and later (we run 15) allow ALTER TYPE ... ADD VALUE inside a
-- transaction block, but the new value cannot be used until that transaction
-- has committed ("unsafe use of new value").  So this revision only adds the
-- value; nothing here or in a revision applied in the same transaction may
-- use it.  With the default migrations.transaction_per_migration = true each
-- revision commits on its own and later revisions may use the value.

-- migrate:upgrade
ALTER TYPE report_status ADD VALUE IF NOT EXISTS 'pending_approval' BEFORE 'approved';

-- migrate:downgrade
-- PostgreSQL cannot drop a value from an enum: move the rows that use it back
-- to 'under_review', then swap in a type without it.
UPDATE report_status_history SET old_status = 'under_review' WHERE old_status = 'pending_approval';
UPDATE report_status_history SET new_status = 'under_review' WHERE new_status = 'pending_approval';

-- The status-history trigger fires on UPDATE OF status, so it depends on the
-- column and must be out of the way while the column changes type.  The rows
-- moved here get a history entry that says why.
DROP TRIGGER trg_reports_status_history ON reports;

WITH moved AS (
    UPDATE reports SET status = 'under_review' WHERE status = 'pending_approval'
    RETURNING report_id
)
INSERT INTO report_status_history (report_id, old_status, new_status, reason)
SELECT report_id, NULL, 'under_review', 'status pending_approval removed (downgrade of revision b7e2a4c9d015)'
FROM moved;

ALTER TYPE report_status RENAME TO report_status_old;
CREATE TYPE report_status AS ENUM ('draft', 'active', 'under_review', 'approved', 'rejected', 'retired');
COMMENT ON TYPE report_status IS 'Lifecycle of a regulatory report in the inventory';

ALTER TABLE reports
    ALTER COLUMN status DROP DEFAULT,
    ALTER COLUMN status TYPE report_status USING status::text::report_status,
    ALTER COLUMN status SET DEFAULT 'draft';
ALTER TABLE report_status_history
    ALTER COLUMN old_status TYPE report_status USING old_status::text::report_status,
    ALTER COLUMN new_status TYPE report_status USING new_status::text::report_status;

DROP TYPE report_status_old;

CREATE TRIGGER trg_reports_status_history AFTER INSERT OR UPDATE OF status ON reports
    FOR EACH ROW EXECUTE FUNCTION record_status_change();
