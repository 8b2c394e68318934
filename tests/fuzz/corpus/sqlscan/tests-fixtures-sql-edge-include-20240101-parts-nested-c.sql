INSERT INTO t VALUES (3, 'from c');
\ir ../d.sql
