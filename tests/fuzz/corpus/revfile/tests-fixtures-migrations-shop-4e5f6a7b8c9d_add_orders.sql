-- revision: 4e5f6a7b8c9d
-- down_revision: 9c1d2e3f4a5b
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-11 09:00:00
-- message: add orders

-- migrate:upgrade
CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id),
    total numeric(12, 2) NOT NULL
);

-- migrate:downgrade
DROP TABLE orders;
