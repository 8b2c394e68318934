\set ON_ERROR_STOP on
\set QUIET 1
\set x 'a value'
\unset x
CREATE TABLE t (id int, v text);
INSERT INTO t VALUES (1, 'after \set');
\set ON_ERROR_STOP 1
INSERT INTO t VALUES (2, 'again');
