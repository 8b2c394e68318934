INSERT INTO t VALUES (2, 'from b');
