-- U&'…' with the default escape and with UESCAPE; U&"…" identifiers.
CREATE TABLE t (id int, v text);
INSERT INTO t VALUES (1, U&'d\0061t\+000061; \00e9');
INSERT INTO t VALUES (2, U&'d!0061t!+01F389 ;' UESCAPE '!');
INSERT INTO t VALUES (3, u&'it''s');
CREATE TABLE U&"d\0061ta;x" (id int);
INSERT INTO "data;x" VALUES (42);
