-- \ir is relative to this file, \i to the working directory (the project
-- directory, as for psql); both stay inside the init tree.
CREATE TABLE t (id int, v text);
\ir parts/a.sql
\i sql/init/20240101/parts/b.sql
\include_relative parts/nested/c.sql
INSERT INTO t VALUES (9, 'back in main');
