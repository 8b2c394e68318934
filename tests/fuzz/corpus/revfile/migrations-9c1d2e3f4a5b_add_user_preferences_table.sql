-- revision: 9c1d2e3f4a5b
-- down_revision: 3be61ad5f00f
-- branch_labels: None
-- depends_on: None
-- create_date: 2025-08-10 12:00:00
-- message: add user preferences table

-- migrate:upgrade
CREATE TABLE user_preferences (
    user_id         integer PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    time_zone       text NOT NULL DEFAULT 'America/New_York',
    locale          varchar(16) NOT NULL DEFAULT 'en-US',
    email_digest    varchar(8) NOT NULL DEFAULT 'daily' CHECK (email_digest IN ('off', 'daily', 'weekly')),
    prefs           jsonb NOT NULL DEFAULT '{}',
    updated_at      timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE user_preferences IS 'Per-user UI and notification settings';

CREATE TRIGGER trg_user_preferences_updated_at BEFORE UPDATE ON user_preferences
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:downgrade
DROP TABLE user_preferences;
