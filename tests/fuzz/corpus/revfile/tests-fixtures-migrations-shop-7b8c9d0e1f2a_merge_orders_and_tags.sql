-- revision: 7b8c9d0e1f2a
-- down_revision: 5f6a7b8c9d0e, 6a7b8c9d0e1f
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-13 09:00:00
-- message: merge orders and tags

-- migrate:upgrade
CREATE TABLE order_tags (
    order_id bigint NOT NULL REFERENCES orders(id),
    tag_id bigint NOT NULL REFERENCES tags(id),
    PRIMARY KEY (order_id, tag_id)
);

-- migrate:downgrade
DROP TABLE order_tags;
