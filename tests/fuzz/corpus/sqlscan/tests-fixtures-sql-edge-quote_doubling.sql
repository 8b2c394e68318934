-- '' inside a string is a quote; a string continued on the next line
-- (whitespace with a newline between two literals) is one string.
CREATE TABLE t (id int, v text);
INSERT INTO t VALUES (1, 'it''s; not the end');
INSERT INTO t VALUES (2, '''');
INSERT INTO t VALUES (3, 'semi;'
    ';colon');
INSERT INTO t VALUES (4, '--not a comment'), (5, '/* nor this */'), (6, '');
