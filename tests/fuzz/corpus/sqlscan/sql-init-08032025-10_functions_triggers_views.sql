-- Synapse DT baseline, part 10: functions, triggers and reporting views.

--
-- updated_at maintenance: one trigger on every table that has the column.
--

DO $do$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.table_name
        FROM information_schema.columns c
        JOIN information_schema.tables tb USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND c.column_name = 'updated_at'
          AND tb.table_type = 'BASE TABLE'
        ORDER BY c.table_name
    LOOP
        EXECUTE format('CREATE TRIGGER trg_%s_updated_at BEFORE UPDATE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION set_updated_at()',
                       t.table_name, t.table_name);
    END LOOP;
END
$do$;

--
-- Row audit: INSERT/UPDATE/DELETE on the tables that matter to a regulator
-- land in audit_logs.  The application sets synapse.user_id per transaction
-- (SET LOCAL synapse.user_id = '42'); without it the row has no user.
--

CREATE FUNCTION audit_row_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    key_column text := TG_ARGV[0];
    old_row jsonb;
    new_row jsonb;
BEGIN
    -- Password hashes and tokens never go into the audit trail.
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD) - 'hashed_password';
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW) - 'hashed_password';
    END IF;
    -- Skip updates that changed nothing but updated_at.
    IF TG_OP = 'UPDATE' AND (old_row - 'updated_at') = (new_row - 'updated_at') THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_logs (user_id, action, table_name, record_id, old_values, new_values)
    VALUES (nullif(current_setting('synapse.user_id', true), '')::integer,
            lower(TG_OP)::audit_action,
            TG_TABLE_NAME,
            coalesce(new_row, old_row) ->> key_column,
            old_row,
            new_row);
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION audit_row_change() IS 'AFTER ROW trigger; argument: the key column written to audit_logs.record_id';

CREATE TRIGGER trg_users_audit AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('user_id');
CREATE TRIGGER trg_user_roles_audit AFTER INSERT OR UPDATE OR DELETE ON user_roles
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('user_id');
CREATE TRIGGER trg_reports_audit AFTER INSERT OR UPDATE OR DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('report_id');
CREATE TRIGGER trg_report_owners_audit AFTER INSERT OR UPDATE OR DELETE ON report_owners
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('report_id');
CREATE TRIGGER trg_test_cycles_audit AFTER INSERT OR UPDATE OR DELETE ON test_cycles
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('cycle_id');
CREATE TRIGGER trg_cycle_reports_audit AFTER INSERT OR UPDATE OR DELETE ON cycle_reports
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('cycle_report_id');
CREATE TRIGGER trg_scoping_decisions_audit AFTER INSERT OR UPDATE OR DELETE ON scoping_decisions
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('scoping_decision_id');
CREATE TRIGGER trg_sample_sets_audit AFTER INSERT OR UPDATE OR DELETE ON sample_sets
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('sample_set_id');
CREATE TRIGGER trg_observations_audit AFTER INSERT OR UPDATE OR DELETE ON observations
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('observation_id');
CREATE TRIGGER trg_observation_approvals_audit AFTER INSERT OR UPDATE OR DELETE ON observation_approvals
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('observation_approval_id');
CREATE TRIGGER trg_test_reports_audit AFTER INSERT OR UPDATE OR DELETE ON test_reports
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('test_report_id');

--
-- Status history.  The check is in the function body rather than a trigger
-- WHEN clause so that a later migration may still change the column's type.
--

CREATE FUNCTION record_status_change() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    who integer := nullif(current_setting('synapse.user_id', true), '')::integer;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
        RETURN NULL;
    END IF;
    CASE TG_TABLE_NAME
        WHEN 'reports' THEN
            INSERT INTO report_status_history (report_id, old_status, new_status, changed_by)
            VALUES (NEW.report_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status, who);
        WHEN 'test_cycles' THEN
            INSERT INTO cycle_status_history (cycle_id, old_status, new_status, changed_by)
            VALUES (NEW.cycle_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status, who);
        WHEN 'observations' THEN
            INSERT INTO observation_status_history (observation_id, old_status, new_status, changed_by)
            VALUES (NEW.observation_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status, who);
        ELSE
            RAISE EXCEPTION 'record_status_change: no history table for %', TG_TABLE_NAME;
    END CASE;
    RETURN NULL;
END;
$$;

CREATE TRIGGER trg_reports_status_history AFTER INSERT OR UPDATE OF status ON reports
    FOR EACH ROW EXECUTE FUNCTION record_status_change();
CREATE TRIGGER trg_test_cycles_status_history AFTER INSERT OR UPDATE OF status ON test_cycles
    FOR EACH ROW EXECUTE FUNCTION record_status_change();
CREATE TRIGGER trg_observations_status_history AFTER INSERT OR UPDATE OF status ON observations
    FOR EACH ROW EXECUTE FUNCTION record_status_change();

--
-- Observation numbers: OBS-2025-000142
--

CREATE SEQUENCE observation_number_seq AS integer START 1;

CREATE FUNCTION next_observation_number() RETURNS varchar
    LANGUAGE sql VOLATILE
    RETURN 'OBS-' || to_char(now(), 'YYYY') || '-' || lpad(nextval('observation_number_seq')::text, 6, '0');

ALTER TABLE observations ALTER COLUMN observation_number SET DEFAULT next_observation_number();

--
-- Calendar arithmetic for SLAs
--

CREATE FUNCTION business_days_between(p_calendar_id integer, p_from date, p_to date)
    RETURNS integer
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    weekend smallint[];
    n integer;
BEGIN
    IF p_to < p_from THEN
        RETURN -business_days_between(p_calendar_id, p_to, p_from);
    END IF;
    SELECT weekend_days INTO weekend FROM business_calendars WHERE calendar_id = p_calendar_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown business calendar %', p_calendar_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT count(*) INTO n
    FROM generate_series(p_from + 1, p_to, interval '1 day') AS d(day)
    WHERE extract(dow FROM d.day)::smallint <> ALL (weekend)
      AND NOT EXISTS (SELECT 1 FROM holidays h
                      WHERE h.calendar_id = p_calendar_id AND h.holiday_date = d.day::date);
    RETURN n;
END;
$$;

COMMENT ON FUNCTION business_days_between(integer, date, date) IS 'Working days after p_from up to and including p_to';

-- Share of the workflow phases of a cycle report that are complete or skipped.
CREATE FUNCTION cycle_report_progress(p_cycle_report_id integer) RETURNS numeric
    LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT round(100.0 * count(*) FILTER (WHERE pi.status IN ('complete', 'skipped'))
                 / nullif((SELECT count(*) FROM workflow_phases WHERE is_active), 0), 1)
    FROM workflow_phase_instances pi
    WHERE pi.cycle_report_id = p_cycle_report_id;
END;

--
-- Views for the dashboards
--

CREATE VIEW v_cycle_report_progress AS
SELECT cr.cycle_report_id,
       tc.cycle_id,
       tc.cycle_name,
       r.report_id,
       r.report_code,
       r.report_name,
       l.lob_name,
       t.display_name AS tester,
       cr.status,
       cycle_report_progress(cr.cycle_report_id) AS percent_complete,
       (SELECT p.phase_name
          FROM workflow_phase_instances pi
          JOIN workflow_phases p USING (phase_id)
         WHERE pi.cycle_report_id = cr.cycle_report_id AND pi.status = 'in_progress'
         ORDER BY p.phase_order
         LIMIT 1) AS current_phase,
       (SELECT count(*) FROM observations o
         WHERE o.cycle_report_id = cr.cycle_report_id
           AND o.status NOT IN ('closed', 'rejected')) AS open_observations
FROM cycle_reports cr
JOIN test_cycles tc USING (cycle_id)
JOIN reports r USING (report_id)
JOIN lobs l ON l.lob_id = r.lob_id
LEFT JOIN users t ON t.user_id = cr.tester_id;

COMMENT ON VIEW v_cycle_report_progress IS 'One row per report under test: phase, progress, open observations';

CREATE VIEW v_open_observations AS
SELECT o.observation_id,
       o.observation_number,
       o.title,
       o.severity,
       o.status,
       o.target_date,
       o.target_date < current_date AS is_overdue,
       tc.cycle_name,
       r.report_code,
       a.attribute_name,
       owner.display_name AS assigned_to
FROM observations o
JOIN cycle_reports cr ON cr.cycle_report_id = o.cycle_report_id
JOIN test_cycles tc ON tc.cycle_id = cr.cycle_id
JOIN reports r ON r.report_id = cr.report_id
LEFT JOIN report_attributes a ON a.attribute_id = o.attribute_id
LEFT JOIN users owner ON owner.user_id = o.assigned_to
WHERE o.status NOT IN ('closed', 'rejected', 'resolved');
