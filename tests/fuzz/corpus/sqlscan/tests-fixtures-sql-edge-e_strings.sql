-- E'…' strings: backslash escapes, \' does not end the string.
CREATE TABLE t (id int, v text);
INSERT INTO t VALUES (1, E'it\'s; still inside');
INSERT INTO t VALUES (2, E'back\\');
INSERT INTO t VALUES (3, E'tab\there\nnewline');
INSERT INTO t VALUES (4, e'lower-case e: \x41\101\u00e9');
INSERT INTO t VALUES (5, E'both '' and \' ;');
