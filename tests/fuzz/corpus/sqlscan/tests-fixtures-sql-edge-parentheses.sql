-- A ';' inside parentheses does not end the statement: a rule with
-- several actions.
CREATE TABLE t (id int, v text);
CREATE TABLE log (what text);
CREATE VIEW tv AS SELECT id, v FROM t;
CREATE RULE tv_insert AS ON INSERT TO tv DO INSTEAD (
    INSERT INTO t VALUES (NEW.id, NEW.v);
    INSERT INTO log VALUES ('inserted; ' || NEW.v)
);
INSERT INTO tv VALUES (1, 'via rule');
