CREATE TABLE t (id int, v text);
INSERT INTO t VALUES (1, 'before the include');
\ir ../../../outside.sql
INSERT INTO t VALUES (2, 'after the include');
