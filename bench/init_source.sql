-- Source database for bench/init.sh: bench/init.sh builds it once per run, then
-- dumps it with pg_dump --inserts and pg_dump --column-inserts (PostgreSQL 15).
--
--   psql -v rows=N -v lo_count=K -v lo_kb=S -f bench/init_source.sql
--
-- rows      rows in all three tables together (customers 20 %, orders 40 %,
--           events 40 %)
-- lo_count  large objects (lo_from_bytea), lo_kb KiB each.  pg_dump writes
--           them near the end as one BEGIN; lo_open / lowrite … / lo_close;
--           COMMIT; block, so the file has its own transaction control.
--
-- The text columns hold single quotes, backslashes, double quotes, semicolons,
-- "--", "$$", tabs, newlines and non-ASCII; there are NULLs in most columns.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE TABLE customers (
    id        bigint PRIMARY KEY,
    name      text NOT NULL,
    email     text,
    note      text,
    balance   numeric(14,2),
    score     double precision,
    active    boolean,
    born      date,
    created   timestamptz NOT NULL,
    tags      text[],
    profile   jsonb
);

CREATE TABLE orders (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers(id),
    amount      numeric(12,2) NOT NULL,
    currency    char(3),
    status      text,
    ordered_at  timestamp NOT NULL,
    shipped_on  date,
    token       uuid,
    comment     text
);

CREATE TABLE events (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL,
    kind     varchar(32) NOT NULL,
    level    smallint,
    message  text,
    payload  bytea,
    duration interval
);
CREATE INDEX events_at_idx ON events (at);
CREATE INDEX orders_customer_idx ON orders (customer_id);

SELECT greatest(1, :rows / 5) AS n_customers, greatest(1, :rows * 2 / 5) AS n_orders,
       greatest(1, :rows - :rows / 5 - :rows * 2 / 5) AS n_events \gset

INSERT INTO customers
SELECT i,
       CASE i % 4
           WHEN 0 THEN format('O''Brien-%s', i)
           WHEN 1 THEN format('Zoë Ñúñez %s', i)
           WHEN 2 THEN format('山田 太郎 %s', i)
           ELSE format('"quoted" name %s', i)
       END,
       CASE WHEN i % 9 = 0 THEN NULL ELSE format('user%s@example.org', i) END,
       CASE i % 6
           WHEN 0 THEN NULL
           WHEN 1 THEN format('back\slash \\ and \n (not a newline); it''s %s -- not a comment', i)
           WHEN 2 THEN format(E'two\nlines\twith a tab, $$dollar$$ and ; %s', i)
           WHEN 3 THEN format('plain note number %s with some more text to make it a bit longer', i)
           WHEN 4 THEN format('unicode: é ü ß 日本語 🐘 € %s', i)
           ELSE repeat('x', 20 + i % 80)
       END,
       CASE WHEN i % 11 = 0 THEN NULL ELSE round((i * 37 % 1000003) / 7.0, 2) END,
       CASE WHEN i % 13 = 0 THEN NULL ELSE i / 3.0 END,
       CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN true ELSE false END,
       CASE WHEN i % 5 = 0 THEN NULL ELSE date '1950-01-01' + (i * 7 % 20000) END,
       timestamptz '2020-01-01 00:00:00+00' + i * interval '17 seconds',
       CASE WHEN i % 4 = 0 THEN NULL ELSE ARRAY[format('t%s', i % 10), 'it''s', 'a,b'] END,
       CASE WHEN i % 5 = 0 THEN NULL
            ELSE jsonb_build_object('i', i, 'lang', 'fr', 'quote', 'say "hi"', 'path', 'C:\dir')
       END
FROM generate_series(1, :n_customers) i;

INSERT INTO orders (customer_id, amount, currency, status, ordered_at, shipped_on, token, comment)
SELECT 1 + i % :n_customers,
       round(((i * 7919) % 100000) / 100.0, 2),
       (ARRAY['EUR', 'USD', 'JPY', NULL])[1 + i % 4],
       (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + i % 4],
       timestamp '2021-06-01 08:00:00' + i * interval '1 minute 3 seconds',
       CASE WHEN i % 4 = 3 THEN NULL ELSE date '2021-06-02' + i / 1000 END,
       md5(i::text)::uuid,
       CASE i % 5
           WHEN 0 THEN NULL
           WHEN 1 THEN 'leave at the door; ring twice'
           WHEN 2 THEN format('customer said: ''fragile'' — handle with care %s', i)
           ELSE format('order comment %s', i)
       END
FROM generate_series(1, :n_orders) i;

INSERT INTO events (at, kind, level, message, payload, duration)
SELECT timestamptz '2023-01-01 00:00:00+00' + i * interval '250 milliseconds',
       (ARRAY['login', 'logout', 'error', 'purchase', 'view'])[1 + i % 5],
       CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 5)::smallint END,
       CASE i % 4
           WHEN 0 THEN format('GET /item/%s?q=a''b&x=\y HTTP/1.1', i)
           WHEN 1 THEN NULL
           WHEN 2 THEN format(E'stack trace:\n  at f (a.js:%s)\n  at g (b.js:2)', i)
           ELSE format('ok %s', i)
       END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE decode(md5(i::text), 'hex') END,
       CASE WHEN i % 6 = 0 THEN NULL ELSE i % 3600 * interval '1 second' END
FROM generate_series(1, :n_events) i;

-- Large objects: pseudo-random bytes (md5 blocks), so nothing compresses them away.
SELECT lo_from_bytea(0, (SELECT string_agg(decode(md5(n::text || ':' || b::text), 'hex'), ''::bytea)
                         FROM generate_series(1, :lo_kb * 64) b))
FROM generate_series(1, :lo_count) n;

ANALYZE;
