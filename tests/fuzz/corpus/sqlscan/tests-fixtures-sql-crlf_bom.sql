﻿CREATE TABLE t (a int, b text);
\set x 1
COPY t FROM STDIN;
1	x
\.
SELECT 1;
