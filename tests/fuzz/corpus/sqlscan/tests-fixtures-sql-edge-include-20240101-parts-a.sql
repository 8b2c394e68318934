INSERT INTO t VALUES (1, 'from a');
