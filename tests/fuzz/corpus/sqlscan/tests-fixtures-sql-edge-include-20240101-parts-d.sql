INSERT INTO t VALUES (4, 'from d, included by c');
