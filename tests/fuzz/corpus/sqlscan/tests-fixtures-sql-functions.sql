/*
 * Hand-written init script: functions in every quoting style.
 * /* nested comment; with a semicolon */ still a comment;
 */
\set ON_ERROR_STOP on

CREATE TABLE counters (name text PRIMARY KEY, n bigint NOT NULL DEFAULT 0);

-- dollar-quoted with a tag and an inner $$ string
-- and a line that looks like a directive but is not: migrate:no-transaction

CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE plpgsql AS $fn$
DECLARE
  s text := $$;$$;
BEGIN
  RETURN x + 1;
END
$fn$;

CREATE OR REPLACE FUNCTION bump(k text) RETURNS bigint
LANGUAGE sql
BEGIN ATOMIC
  INSERT INTO counters AS c VALUES (k, 1)
    ON CONFLICT (name) DO UPDATE SET n = c.n + 1;
  SELECT CASE WHEN n > 10 THEN n ELSE 0 END FROM counters WHERE name = k;
END;

CREATE PROCEDURE reset_all()
LANGUAGE plpgsql
AS 'BEGIN UPDATE counters SET n = 0; END;';

DO E'BEGIN RAISE NOTICE ''it\'s ok;''; END';

SELECT U&'\0041;' AS a, X'1F' AS b, B'101' AS c, $1 AS param, 1 AS a$b$c
