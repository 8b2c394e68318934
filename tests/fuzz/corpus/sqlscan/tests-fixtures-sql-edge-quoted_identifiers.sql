-- "quoted;identifiers", "" inside, and names that look like comments.
CREATE TABLE "semi;colon" ("a""b" text, "--dash" int, "/*" int);
INSERT INTO "semi;colon" VALUES ('x;y', 1, 2);
CREATE TABLE "Mixed Case" (id int);
INSERT INTO "Mixed Case" VALUES (3);
