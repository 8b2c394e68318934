-- CRLF line ends everywhere, also in COPY data and its \. line
CREATE TABLE t (id int, v text);
INSERT INTO t VALUES (1, 'a'); -- comment
COPY t FROM stdin;
2	b
3	c
\.
INSERT INTO t VALUES (4,
  'd');
