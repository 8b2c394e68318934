-- $tag$ bodies with ; and other $x$ tags inside; $1 is a parameter, not a
-- quote; a$b$ is an identifier.
CREATE TABLE t (id int, v text);
CREATE FUNCTION f(x int) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    a text := $$ ; $$;
    b text := $x$ $$ ; $fn ; $x$;
BEGIN
    RETURN a || b || $1::text;
END
$fn$;
INSERT INTO t VALUES (1, f(7));
INSERT INTO t VALUES (2, $$it's; "quoted" -- and /* */$$);
INSERT INTO t VALUES (3, $_$$_$);
INSERT INTO t VALUES (4, $a$ $b$ ; $b$ $a$);
CREATE TABLE a$b$ (id int);
INSERT INTO a$b$ VALUES (5);
