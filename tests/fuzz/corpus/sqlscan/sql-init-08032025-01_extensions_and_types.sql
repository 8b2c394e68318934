-- Synapse DT baseline (3 Aug 2025), part 1: extensions, enumerated types and
-- the helper functions that the table definitions use.
--
-- The files in this directory create the 126 tables of the baseline that the
-- Alembic revision 3be61ad5f00f ("baseline 126 tables") stands for.  They run
-- once per database, in name order: migrate-entry records each one in
-- migrate_entry_init; `psql -v ON_ERROR_STOP=1 -f FILE` gives the same result.
\set ON_ERROR_STOP on

SET client_min_messages = warning;

-- Case-insensitive e-mail addresses, trigram search on report names, and
-- btree operators in GiST for the exclusion constraints on periods.  All three
-- are trusted extensions: the database owner may create them.
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

--
-- Enumerated types.  Values are ordered as the workflow moves through them.
--

CREATE TYPE user_status AS ENUM ('pending_activation', 'active', 'locked', 'inactive');

CREATE TYPE report_status AS ENUM ('draft', 'active', 'under_review', 'approved', 'rejected', 'retired');
COMMENT ON TYPE report_status IS 'Lifecycle of a regulatory report in the inventory';

CREATE TYPE report_frequency AS ENUM ('daily', 'weekly', 'monthly', 'quarterly', 'semi_annual', 'annual', 'ad_hoc');

CREATE TYPE cycle_status AS ENUM ('planned', 'active', 'on_hold', 'completed', 'cancelled');

CREATE TYPE cycle_report_status AS ENUM ('not_started', 'in_progress', 'pending_sign_off', 'complete', 'descoped');

CREATE TYPE phase_status AS ENUM ('not_started', 'in_progress', 'pending_approval', 'complete', 'skipped');

CREATE TYPE activity_status AS ENUM ('pending', 'active', 'blocked', 'completed', 'skipped');

CREATE TYPE activity_kind AS ENUM ('start', 'task', 'review', 'approval', 'upload', 'complete');

CREATE TYPE attribute_data_type AS ENUM ('string', 'integer', 'decimal', 'date', 'datetime', 'boolean', 'code');

CREATE TYPE mandatory_flag AS ENUM ('mandatory', 'conditional', 'optional');

CREATE TYPE risk_rating AS ENUM ('low', 'medium', 'high', 'critical');

CREATE TYPE scoping_decision AS ENUM ('pending', 'in_scope', 'out_of_scope');

CREATE TYPE sample_status AS ENUM ('proposed', 'approved', 'rejected', 'in_testing', 'tested');

CREATE TYPE sample_method AS ENUM ('random', 'stratified', 'targeted', 'full_population');

CREATE TYPE rfi_status AS ENUM ('draft', 'sent', 'acknowledged', 'submitted', 'accepted', 'returned', 'overdue');

CREATE TYPE test_result AS ENUM ('pass', 'fail', 'inconclusive', 'not_tested');

CREATE TYPE observation_severity AS ENUM ('low', 'medium', 'high', 'critical');

CREATE TYPE observation_status AS ENUM ('draft', 'open', 'pending_approval', 'approved', 'in_remediation', 'resolved', 'closed', 'rejected');

CREATE TYPE observation_kind AS ENUM ('data_quality', 'documentation', 'control_gap', 'process', 'other');

CREATE TYPE document_kind AS ENUM ('source_extract', 'evidence', 'policy', 'test_report', 'sign_off', 'other');

CREATE TYPE data_classification AS ENUM ('public', 'internal', 'confidential', 'restricted');

CREATE TYPE notification_channel AS ENUM ('in_app', 'email', 'teams');

CREATE TYPE notification_priority AS ENUM ('low', 'normal', 'high', 'urgent');

CREATE TYPE audit_action AS ENUM ('insert', 'update', 'delete', 'login', 'logout', 'export', 'approve', 'reject', 'assign');

--
-- Helper functions used by defaults and triggers.
--

CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    -- Only touch the column when something else changed, so that no-op
    -- updates issued by the ORM do not look like edits.
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION set_updated_at() IS 'BEFORE UPDATE trigger: maintain updated_at';

-- Report and cycle codes are upper case with digits, dots and dashes: FR-Y-14Q, CCAR.2025
CREATE FUNCTION is_valid_code(code text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN code ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$';
