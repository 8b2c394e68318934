#!/usr/bin/env python3
"""Generate init scripts for bench/init.sh (never committed: written to a path
given on the command line, normally under /tmp).

  gen_init_script.py dump MEGABYTES OUT    pg_dump-like: header SETs, then per
                                           table CREATE TABLE, COPY … FROM stdin
                                           with data (tabs, backslashes, NULLs,
                                           non-ASCII), \\., primary key, index
  gen_init_script.py statements N OUT      N small statements, no COPY: CREATE
                                           TABLEs and single-row INSERTs
  gen_init_script.py bigstatement MEGABYTES OUT
                                           CREATE TABLE t (v text), then ONE INSERT
                                           whose literal is MEGABYTES long (quotes
                                           doubled, non-ASCII, newlines, ';' and
                                           '--' inside); prints the statement's
                                           size and the value's octet_length
"""
import sys

HEADER = """--
-- PostgreSQL database dump (generated for the benchmark)
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;

"""

TABLES = 20


def dump(megabytes, out):
    target = megabytes * 1024 * 1024
    per_table = target // TABLES + 1
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER)
        for t in range(TABLES):
            f.write(f"CREATE TABLE public.t{t} (\n    id bigint NOT NULL,\n    name text,\n"
                    f"    note text,\n    amount numeric(12,2),\n    created timestamp with time zone\n);\n\n")
            f.write(f"COPY public.t{t} (id, name, note, amount, created) FROM stdin;\n")
            written, i = 0, 0
            lines = []
            while written < per_table:
                note = ("\\N" if i % 7 == 0 else
                        f"tab\\there, back\\\\slash; -- é日本 {i}" if i % 3 == 0 else
                        f"plain note number {i} with some more text to make it longer")
                line = (f"{i}\tname {i}\t{note}\t{i % 100000}.{i % 100:02d}\t"
                        f"2024-01-{1 + i % 28:02d} 12:{i % 60:02d}:00+00\n")
                lines.append(line)
                written += len(line.encode())
                i += 1
                if len(lines) == 10000:
                    f.write("".join(lines))
                    lines = []
            f.write("".join(lines))
            f.write("\\.\n\n\n")
        for t in range(TABLES):
            f.write(f"ALTER TABLE ONLY public.t{t}\n    ADD CONSTRAINT t{t}_pkey PRIMARY KEY (id);\n\n")


def statements(n, out):
    tables = max(1, n // 100)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER.replace("SELECT pg_catalog.set_config('search_path', '', false);\n", ""))
        done = 0
        for t in range(tables):
            f.write(f"CREATE TABLE s{t} (id int PRIMARY KEY, v text);\n")
            done += 1
            for i in range(99):
                if done >= n:
                    break
                f.write(f"INSERT INTO s{t} VALUES ({i}, 'value {i}; it''s');\n")
                done += 1


def bigstatement(megabytes, out):
    target = megabytes * 1024 * 1024
    # One piece: a doubled quote (one byte in the value), a backslash, non-ASCII, ';', '--'.
    piece = "it''s one statement; -- still the literal, café \\ 0123456789\n".encode()
    value_piece = piece.replace(b"''", b"'")
    head = b"CREATE TABLE t (v text);\nINSERT INTO t VALUES ('"
    block = piece * 1024
    n = 0
    with open(out, "wb") as f:
        f.write(head)
        while n * len(piece) < target:
            f.write(block)
            n += 1024
        f.write(b"');\n")
    statement = len(b"INSERT INTO t VALUES ('") + n * len(piece) + len(b"');")
    print(statement, n * len(value_piece))


if __name__ == "__main__":
    kind, amount, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    {"dump": dump, "statements": statements, "bigstatement": bigstatement}[kind](amount, out)
