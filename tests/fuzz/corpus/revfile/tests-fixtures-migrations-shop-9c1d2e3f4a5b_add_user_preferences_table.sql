-- revision: 9c1d2e3f4a5b
-- down_revision: 3be61ad5f00f
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-10 12:00:00
-- message: add user preferences table

-- migrate:upgrade
CREATE TABLE user_preferences (
    user_id bigint PRIMARY KEY REFERENCES users(id),
    prefs jsonb NOT NULL DEFAULT '{}'
);

-- migrate:downgrade
DROP TABLE user_preferences;
