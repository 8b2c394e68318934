CREATE TABLE t (id int, v text);
INSERT INTO t VALUES (1, 'before');

\copy t from 'data.csv'
INSERT INTO t VALUES (2, 'after');
