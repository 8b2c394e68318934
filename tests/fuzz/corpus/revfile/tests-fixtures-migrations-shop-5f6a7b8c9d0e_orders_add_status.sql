-- revision: 5f6a7b8c9d0e
-- down_revision: 4e5f6a7b8c9d
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-12 09:00:00
-- message: orders add status

-- migrate:upgrade
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';

-- migrate:downgrade
ALTER TABLE orders DROP COLUMN status;
