-- a comment; with a semicolon
/* a block comment; with a semicolon
   /* nested; one level deeper */ still inside; */
CREATE TABLE t (id int, v text); -- trailing comment;
INSERT INTO t /* ; inside a statement */ VALUES (1, 'a'); /* after; */
INSERT INTO t VALUES (2, -- a comment inside; the statement
    'b');
/* * / not an end */
INSERT INTO t VALUES (3, 'c' /* /* */ ; */);
-- the end;
