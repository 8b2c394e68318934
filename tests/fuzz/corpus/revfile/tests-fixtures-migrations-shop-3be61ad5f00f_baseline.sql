-- revision: 3be61ad5f00f
-- down_revision: None
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-04 07:13:48
-- message: baseline

-- migrate:upgrade
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE
);

-- migrate:downgrade
DROP TABLE users;
