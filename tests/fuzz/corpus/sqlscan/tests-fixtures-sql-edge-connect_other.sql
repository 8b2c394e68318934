CREATE TABLE t (id int, v text);
INSERT INTO t VALUES (1, 'before');
\connect postgres
INSERT INTO t VALUES (2, 'in another database');
