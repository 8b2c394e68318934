-- COPY … FROM stdin: the data is not SQL; it ends at a line that is
-- exactly \. ; in CSV a line that merely starts with \. is data.
CREATE TABLE t (id int, v text);
COPY t (id, v) FROM stdin;
1	semi; colon
2	-- not a comment
3	$$ not a quote
4	it's
5	\\.
6	ends in backslash-dot \\.
7	\N
8	
9	tab\there\\back
\.
INSERT INTO t VALUES (10, 'after the data');
copy t FROM STDIN WITH (FORMAT csv);
11,"csv, with ""quotes""
and a newline"
12,
\.
COPY t (v, id) FROM stdin (FORMAT csv);
\.not the end,14
\.
INSERT INTO t VALUES (15, 'after csv');
