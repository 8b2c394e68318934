-- revision: b2c3d4e5f6a7
-- down_revision: a1b2c3d4e5f6
-- branch_labels: None
-- depends_on: 4e5f6a7b8c9d
-- create_date: 2025-08-16 09:00:00
-- message: audit order events

-- migrate:upgrade
CREATE TABLE audit.order_events (
    order_id bigint NOT NULL REFERENCES orders(id),
    at timestamptz NOT NULL DEFAULT now(),
    event text NOT NULL
);

-- migrate:downgrade
DROP TABLE audit.order_events;
