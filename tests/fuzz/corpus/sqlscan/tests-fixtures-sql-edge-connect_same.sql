-- \connect to the database we are in is accepted (pg_dump -C writes it)
CREATE TABLE t (id int, v text);
\connect @DBNAME@
INSERT INTO t VALUES (1, 'after \connect');
\connect -reuse-previous=on "dbname='@DBNAME@'"
INSERT INTO t VALUES (2, 'after pg_dump -C style \connect');
\c @DBNAME@ - 
INSERT INTO t VALUES (3, 'after \c with the same user');
