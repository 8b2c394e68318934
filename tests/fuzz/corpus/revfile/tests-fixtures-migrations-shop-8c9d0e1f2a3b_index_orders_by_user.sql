-- revision: 8c9d0e1f2a3b
-- down_revision: 7b8c9d0e1f2a
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-14 09:00:00
-- message: index orders by user

-- migrate:upgrade
CREATE INDEX orders_user_id_idx ON orders (user_id);
COMMENT ON TABLE orders IS 'one row per order; it''s the shop''s core';

-- migrate:downgrade
COMMENT ON TABLE orders IS NULL;
DROP INDEX orders_user_id_idx;
