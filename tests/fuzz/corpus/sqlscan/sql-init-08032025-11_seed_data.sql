-- Synapse DT baseline, part 11: reference and seed data.
--
-- Loaded with COPY ... FROM stdin the way pg_dump writes it (tab-separated,
-- \N for NULL).  Explicit ids keep foreign keys in this file readable; the
-- identity sequences are moved past them at the end.  People sign in through
-- the corporate SSO, so no seeded user has a local password.

--
-- Roles and permissions
--

COPY roles (role_id, role_name, description, is_system) FROM stdin;
1	Admin	Full access, user and configuration management	t
2	Test Executive	Owns test cycles; assigns reports to testers and signs off	t
3	Tester	Plans and executes the tests of a report	t
4	Report Owner	Accountable for a report; approves scoping, samples and observations	t
5	Report Owner Executive	Executive over a portfolio of reports; final sign-off	t
6	Data Owner	Owns source data for attributes in a line of business	t
7	Data Executive	Chief data officer of a line of business; assigns data owners	t
8	Data Provider	Supplies evidence and source queries for test cases	t
9	Auditor	Read-only access to every cycle, for internal audit	f
\.

INSERT INTO role_hierarchy (parent_role_id, child_role_id) VALUES
    (3, 2),
    (4, 5),
    (6, 7);

COPY permissions (permission_id, resource, action, description) FROM stdin;
1	users	read	View users
2	users	create	Create users
3	users	update	Update users
4	users	deactivate	Deactivate users
5	reports	read	View reports
6	reports	create	Create reports
7	reports	update	Update reports
8	reports	approve	Approve reports
9	cycles	read	View cycles
10	cycles	create	Create cycles
11	cycles	update	Update cycles
12	cycles	close	Close cycles
13	attributes	read	View attributes
14	attributes	create	Create attributes
15	attributes	update	Update attributes
16	attributes	approve	Approve attributes
17	scoping	read	View scoping
18	scoping	submit	Submit scoping
19	scoping	approve	Approve scoping
20	samples	read	View samples
21	samples	generate	Generate samples
22	samples	approve	Approve samples
23	data_owners	read	View data owners
24	data_owners	assign	Assign data owners
25	rfi	read	View rfi
26	rfi	send	Send rfi
27	rfi	submit	Submit rfi
28	test_execution	read	View test execution
29	test_execution	execute	Execute test execution
30	test_execution	review	Review test execution
31	observations	read	View observations
32	observations	create	Create observations
33	observations	approve	Approve observations
34	observations	close	Close observations
35	documents	read	View documents
36	documents	upload	Upload documents
37	documents	delete	Delete documents
38	audit	read	View audit
39	audit	export	Export audit
\.

-- Everyone may read; the admin may do everything; the rest follow the workflow.
INSERT INTO role_permissions (role_id, permission_id)
SELECT r.role_id, p.permission_id
FROM roles r
JOIN permissions p ON p.action = 'read' OR r.role_name = 'Admin';

INSERT INTO role_permissions (role_id, permission_id)
SELECT r.role_id, p.permission_id
FROM (VALUES
        ('Test Executive', 'cycles', 'create'), ('Test Executive', 'cycles', 'update'),
        ('Test Executive', 'cycles', 'close'), ('Test Executive', 'reports', 'create'),
        ('Tester', 'attributes', 'create'), ('Tester', 'attributes', 'update'),
        ('Tester', 'scoping', 'submit'), ('Tester', 'samples', 'generate'),
        ('Tester', 'rfi', 'send'), ('Tester', 'test_execution', 'execute'),
        ('Tester', 'observations', 'create'), ('Tester', 'documents', 'upload'),
        ('Report Owner', 'attributes', 'approve'), ('Report Owner', 'scoping', 'approve'),
        ('Report Owner', 'samples', 'approve'), ('Report Owner', 'observations', 'approve'),
        ('Report Owner', 'test_execution', 'review'), ('Report Owner Executive', 'reports', 'approve'),
        ('Report Owner Executive', 'observations', 'close'), ('Data Executive', 'data_owners', 'assign'),
        ('Data Owner', 'data_owners', 'assign'), ('Data Provider', 'rfi', 'submit'),
        ('Data Provider', 'documents', 'upload'), ('Auditor', 'audit', 'export')
     ) AS g (role_name, resource, action)
JOIN roles r USING (role_name)
JOIN permissions p USING (resource, action)
ON CONFLICT DO NOTHING;

--
-- Lines of business and people
--

COPY lobs (lob_id, lob_name, lob_code, description) FROM stdin;
1	Consumer Banking	CONSUMER	Deposits, personal loans and branch network
2	Commercial Banking	COMMERCIAL	Middle-market lending and treasury services
3	Wealth Management	WEALTH	Private bank, trust and advisory
4	Capital Markets	MARKETS	Trading, securities financing and derivatives
5	Corporate Treasury	TREASURY	Liquidity, funding and interest-rate risk
6	Card Services	CARDS	Credit and debit card portfolios
7	Home Lending	MORTGAGE	First mortgages and home equity lines
8	Finance	FINANCE	\N
\.

INSERT INTO departments (department_id, lob_id, department_name, cost_center) VALUES
    (1, 8, 'Regulatory Reporting', 'CC-4100'),
    (2, 8, 'Data Testing & Controls', 'CC-4120'),
    (3, 1, 'Consumer Data Office', 'CC-1300'),
    (4, 2, 'Commercial Credit Operations', 'CC-2210'),
    (5, 3, 'Wealth Data Management', NULL),
    (6, 6, 'Card Analytics', 'CC-6050');

COPY users (user_id, email, first_name, last_name, phone, lob_id, department_id, manager_id, status, is_superuser, last_login_at) FROM stdin;
1	admin@synapsedt.example	System	Administrator	\N	8	1	\N	active	t	2025-08-01 09:12:44+00
2	maria.gonzalez@synapsedt.example	María	González	+1 212 555 0141	8	2	\N	active	f	2025-08-02 14:03:10+00
3	james.whitfield@synapsedt.example	James	Whitfield	+1 212 555 0177	8	2	2	active	f	2025-08-02 16:45:02+00
4	zoe.obrien@synapsedt.example	Zoë	O'Brien	\N	8	2	2	active	f	2025-07-30 11:20:37+00
5	noah.bennett@synapsedt.example	Noah	Bennett	+1 704 555 0102	8	2	2	locked	f	2025-06-18 08:02:51+00
6	soren.kjaer@synapsedt.example	Søren	Kjær	+44 20 7946 0321	1	3	\N	active	f	2025-08-01 07:55:19+00
7	priya.raman@synapsedt.example	Priya	Raman	+1 646 555 0199	1	\N	\N	active	f	2025-07-29 17:31:00+00
8	wei.chen@synapsedt.example	Wei	Chen	\N	1	3	7	active	f	2025-08-01 13:14:15+00
9	amelie.durand@synapsedt.example	Amélie	Durand	+33 1 70 36 39 50	2	4	\N	active	f	2025-07-31 10:09:08+00
10	lukasz.wojcik@synapsedt.example	Łukasz	Wójcik	\N	2	4	9	active	f	2025-07-28 12:00:59+00
11	jose.muller@synapsedt.example	José	Müller	+41 44 668 18 00	3	5	\N	active	f	2025-07-25 15:42:27+00
12	david.kim@synapsedt.example	David	Kim	+1 415 555 0123	1	3	8	active	f	2025-08-01 18:20:00+00
13	fatima.al-rashid@synapsedt.example	Fatima	Al-Rashid	\N	3	5	11	active	f	\N
14	olumide.adeyemi@synapsedt.example	Olúmídé	Adéyẹmí	+1 312 555 0150	6	6	\N	pending_activation	f	\N
15	hannah.schroeder@synapsedt.example	Hannah	Schröder	\N	7	\N	\N	inactive	f	2024-12-20 09:00:00+00
16	internal.audit@synapsedt.example	Internal	Audit	\N	8	\N	\N	active	f	2025-07-15 08:30:00+00
\.
COPY user_roles (user_id, role_id, lob_id, assigned_by) FROM stdin;
1	1	\N	\N
2	2	\N	1
3	3	\N	2
4	3	\N	2
5	3	\N	2
6	4	1	1
7	5	1	1
8	7	1	1
9	7	2	1
10	6	2	9
11	6	3	1
12	8	1	8
13	8	3	11
14	8	6	1
16	9	\N	1
\.

INSERT INTO lob_data_executives (lob_id, user_id, is_cdo, effective_from) VALUES
    (1, 8, true, '2024-01-01'),
    (2, 9, true, '2024-01-01'),
    (3, 11, false, '2025-03-01');

INSERT INTO teams (team_id, team_name, lob_id, lead_user_id) VALUES
    (1, 'Regulatory Data Testing', 8, 2),
    (2, 'Consumer Data Stewardship', 1, 8);

INSERT INTO team_members (team_id, user_id) VALUES
    (1, 2), (1, 3), (1, 4), (1, 5), (2, 8), (2, 12);

--
-- Regulators, regulations and the business calendar
--

COPY regulators (regulator_id, short_name, full_name, jurisdiction, website) FROM stdin;
1	FRB	Board of Governors of the Federal Reserve System	US	https://www.federalreserve.gov
2	OCC	Office of the Comptroller of the Currency	US	https://www.occ.gov
3	FDIC	Federal Deposit Insurance Corporation	US	https://www.fdic.gov
4	PRA	Prudential Regulation Authority	GB	\N
\.
COPY regulations (regulation_id, regulator_id, code, title, effective_date, sunset_date) FROM stdin;
1	1	FR-Y-14Q	Capital Assessments and Stress Testing (Quarterly)	2012-03-31	\N
2	1	FR-Y-14M	Capital Assessments and Stress Testing (Monthly)	2012-06-30	\N
3	1	FR-Y-9C	Consolidated Financial Statements for Holding Companies	1986-06-30	\N
4	3	FFIEC-031	Consolidated Reports of Condition and Income (Call Report)	2001-03-31	\N
5	1	FR-2052A	Complex Institution Liquidity Monitoring Report	2015-12-31	\N
6	4	PRA110	Cash-flow mismatch return	2019-01-01	\N
\.
COPY regulatory_schedules (schedule_id, regulation_id, schedule_code, schedule_name) FROM stdin;
1	1	H.1	Corporate Loan Data
2	1	H.2	Commercial Real Estate
3	1	A.1	International Auto Loan
4	2	D.1	Domestic First Lien Closed-end 1-4 Family Residential Loan
5	2	D.3	Domestic Credit Card
6	3	HC-C	Loans and Lease Financing Receivables
7	4	RC-C	Loans and Lease Financing Receivables
\.
COPY business_calendars (calendar_id, calendar_name, time_zone, weekend_days) FROM stdin;
1	US Federal Reserve	America/New_York	{0,6}
2	UK Bank Holidays	Europe/London	{0,6}
\.
COPY holidays (calendar_id, holiday_date, holiday_name) FROM stdin;
1	2025-01-01	New Year's Day
1	2025-01-20	Birthday of Martin Luther King, Jr.
1	2025-02-17	Washington's Birthday
1	2025-05-26	Memorial Day
1	2025-06-19	Juneteenth National Independence Day
1	2025-07-04	Independence Day
1	2025-09-01	Labor Day
1	2025-10-13	Columbus Day
1	2025-11-11	Veterans Day
1	2025-11-27	Thanksgiving Day
1	2025-12-25	Christmas Day
2	2025-01-01	New Year's Day
2	2025-04-18	Good Friday
2	2025-04-21	Easter Monday
2	2025-05-05	Early May bank holiday
2	2025-05-26	Spring bank holiday
2	2025-08-25	Summer bank holiday
2	2025-12-25	Christmas Day
2	2025-12-26	Boxing Day
\.

--
-- The workflow
--

COPY workflow_phases (phase_id, phase_name, phase_order, description, default_sla_days, requires_approval) FROM stdin;
1	Planning	1	Load the report's attributes and build the test plan	5	t
2	Data Profiling	2	Profile source data against generated and approved rules	7	t
3	Scoping	3	Decide which attributes are tested, by risk	5	t
4	Sample Selection	4	Generate and approve the samples to test	5	t
5	Data Provider ID	5	Data executives assign data owners and providers per attribute	3	f
6	Request Info	6	Send test cases to data providers and collect evidence	10	f
7	Test Execution	7	Compare reported values with the evidence	10	t
8	Observation Management	8	Raise, group and approve observations	7	t
9	Finalize Test Report	9	Write, review and sign off the test report	5	t
\.
COPY workflow_activity_templates (activity_template_id, phase_id, activity_name, activity_kind, activity_order, responsible_role_id, is_manual, handler_name) FROM stdin;
1	1	Start Planning	start	1	\N	f	auto_start_planning
2	1	Load Attributes	task	2	3	t	\N
3	1	Review Planning	review	3	4	t	\N
4	1	Complete Planning	complete	4	3	t	\N
5	2	Start Data Profiling	start	1	\N	f	auto_start_data_profiling
6	2	Upload Source Data	upload	2	8	t	\N
7	2	Generate Profiling Rules	task	3	\N	f	auto_generate_profiling_rules
8	2	Approve Profiling Rules	approval	4	4	t	\N
9	2	Complete Data Profiling	complete	5	3	t	\N
10	3	Start Scoping	start	1	\N	f	auto_start_scoping
11	3	Generate Scoping Recommendations	task	2	\N	f	auto_generate_scoping_recommendations
12	3	Make Scoping Decisions	task	3	3	t	\N
13	3	Approve Scoping	approval	4	4	t	\N
14	3	Complete Scoping	complete	5	3	t	\N
15	4	Start Sample Selection	start	1	\N	f	auto_start_sample_selection
16	4	Generate Samples	task	2	3	t	\N
17	4	Approve Samples	approval	3	4	t	\N
18	4	Complete Sample Selection	complete	4	3	t	\N
19	5	Start Data Provider ID	start	1	\N	f	auto_start_data_provider_id
20	5	Assign Data Owners	task	2	7	t	\N
21	5	Assign Data Providers	task	3	6	t	\N
22	5	Complete Data Provider ID	complete	4	3	t	\N
23	6	Start Request Info	start	1	\N	f	auto_start_request_info
24	6	Send Test Cases	task	2	3	t	\N
25	6	Collect Evidence	upload	3	8	t	\N
26	6	Complete Request Info	complete	4	3	t	\N
27	7	Start Test Execution	start	1	\N	f	auto_start_test_execution
28	7	Execute Tests	task	2	3	t	\N
29	7	Review Test Results	review	3	4	t	\N
30	7	Complete Test Execution	complete	4	3	t	\N
31	8	Start Observations	start	1	\N	f	auto_start_observations
32	8	Raise Observations	task	2	3	t	\N
33	8	Approve Observations	approval	3	4	t	\N
34	8	Complete Observations	complete	4	3	t	\N
35	9	Start Test Report	start	1	\N	f	auto_start_test_report
36	9	Generate Test Report	task	2	\N	f	auto_generate_test_report
37	9	Sign Off Test Report	approval	3	5	t	\N
38	9	Complete Test Report	complete	4	2	t	\N
\.

-- Data Provider ID runs alongside Sample Selection once scoping is approved.
INSERT INTO workflow_transitions (from_phase_id, to_phase_id, is_parallel) VALUES
    (1, 2, false), (2, 3, false), (3, 4, true), (3, 5, true),
    (4, 6, false), (5, 6, false), (6, 7, false), (7, 8, false), (8, 9, false);

INSERT INTO sla_configurations (phase_id, role_id, sla_name, business_days, warning_days)
SELECT p.phase_id, NULL, p.phase_name || ' completion', p.default_sla_days, 1
FROM workflow_phases p;

INSERT INTO sla_configurations (phase_id, role_id, sla_name, business_days, warning_days) VALUES
    (5, 7, 'Data owner assignment by data executive', 2, 1),
    (6, 8, 'Evidence submission by data provider', 5, 2);

INSERT INTO sla_escalation_rules (sla_config_id, level, days_overdue, escalate_to_role_id)
SELECT s.sla_config_id, x.level, x.days, x.role_id
FROM sla_configurations s
CROSS JOIN (VALUES (1, 0, 2), (2, 3, 5)) AS x (level, days, role_id);

--
-- Notifications, documents and settings
--

COPY notification_templates (template_key, channel, subject, body) FROM stdin;
assignment.created	email	You have been assigned to {{report_code}}	Hello {{first_name}}, {{assigned_by}} assigned you as {{role}} on {{report_name}} in {{cycle_name}}.
rfi.sent	email	Evidence requested: {{report_code}} ({{count}} test cases)	Please provide evidence for {{count}} test cases by {{due_date}}. Open: {{link}}
rfi.reminder	email	Reminder: evidence due {{due_date}}	{{count}} test cases are still waiting for your evidence.
sla.warning	in_app	{{phase_name}} is due tomorrow	{{report_code}}: {{phase_name}} is due on {{due_date}}.
sla.violation	teams	SLA missed: {{phase_name}}	{{report_code}}: {{phase_name}} is {{days_overdue}} business day(s) overdue.
observation.approval	email	Observation {{observation_number}} needs your approval	{{tester}} raised a {{severity}} observation on {{attribute_name}}.
\.

INSERT INTO document_retention_policies (policy_name, document_kind, retain_for, legal_hold) VALUES
    ('Evidence: 7 years', 'evidence', interval '7 years', false),
    ('Source extracts: 3 years', 'source_extract', interval '3 years', false),
    ('Test reports: 10 years', 'test_report', interval '10 years', false),
    ('Sign-offs: 10 years', 'sign_off', interval '10 years', true);

INSERT INTO app_settings (setting_key, setting_value, description) VALUES
    ('llm.default_model', '"claude-3-5-sonnet"', 'Model used for scoping recommendations and rule generation'),
    ('llm.batch_size', '50', 'Attributes per language-model request'),
    ('samples.default_confidence', '95.0', 'Default confidence level for statistical sampling'),
    ('rfi.reminder_days', '[3, 1]', 'Business days before the due date to send reminders'),
    ('ui.banner', 'null', 'Maintenance banner shown to every user, or null'),
    ('security.session_hours', '12', 'Lifetime of a browser session');

--
-- Identity columns continue after the explicit ids used above.
--

DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT table_name, column_name
        FROM information_schema.columns
        WHERE table_schema = 'public' AND is_identity = 'YES'
    LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), coalesce(max(%I), 0) + 1, false) FROM %I',
                       c.table_name, c.column_name, c.column_name, c.table_name);
    END LOOP;
END
$$;
