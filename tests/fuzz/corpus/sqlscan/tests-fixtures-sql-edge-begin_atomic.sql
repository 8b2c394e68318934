-- SQL-standard bodies: ';' inside BEGIN ATOMIC … END, CASE … END inside.
CREATE TABLE t (id int, v text);
CREATE FUNCTION sign_word(n int) RETURNS text
LANGUAGE sql
BEGIN ATOMIC
    SELECT CASE WHEN n < 0 THEN 'minus' WHEN n = 0 THEN 'zero' ELSE
        CASE WHEN n > 9 THEN 'big' ELSE 'plus' END
    END;
END;
CREATE PROCEDURE put(i int)
LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO t VALUES (i, sign_word(i));
    INSERT INTO t VALUES (i + 100, CASE i WHEN 1 THEN 'one' ELSE 'other' END);
END;
CALL put(1);
CALL put(-5);
INSERT INTO t VALUES (3, sign_word(42));
