--
-- PostgreSQL database dump
--

\restrict AbC123dEf

-- Dumped from database version 15.8
-- Dumped by pg_dump version 17.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: app; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA app;


ALTER SCHEMA app OWNER TO postgres;

--
-- Name: touch(); Type: FUNCTION; Schema: app; Owner: postgres
--

CREATE FUNCTION app.touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $_$
BEGIN
  NEW.updated_at := now();  -- a comment; with a semicolon
  RAISE NOTICE 'touched %; $1', NEW.id;
  RETURN NEW;
END;
$_$;


ALTER FUNCTION app.touch() OWNER TO postgres;

--
-- Name: total(integer, integer); Type: FUNCTION; Schema: app; Owner: postgres
--

CREATE FUNCTION app.total(a integer, b integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
    BEGIN ATOMIC
 SELECT (total.a + total.b);
END;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: items; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.items (
    id integer NOT NULL,
    name text,
    "Note;" text DEFAULT 'x;y'::text,
    updated_at timestamp with time zone
);


ALTER TABLE app.items OWNER TO postgres;

CREATE SEQUENCE app.items_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE app.items_id_seq OWNED BY app.items.id;

ALTER TABLE ONLY app.items ALTER COLUMN id SET DEFAULT nextval('app.items_id_seq'::regclass);

--
-- Data for Name: items; Type: TABLE DATA; Schema: app; Owner: postgres
--

COPY app.items (id, name, "Note;", updated_at) FROM stdin;
1	caf\303\251	a;b	2024-01-01 00:00:00+00
2	tab\there	\N	\N
3	ünïcödé	'quoted;'	\N
4	\\.	back\\slash	\N
\.


--
-- Data for Name: empty; Type: TABLE DATA; Schema: app; Owner: postgres
--

COPY app.empty (id) FROM stdin;
\.


SELECT pg_catalog.setval('app.items_id_seq', 4, true);

ALTER TABLE ONLY app.items
    ADD CONSTRAINT items_pkey PRIMARY KEY (id);

CREATE INDEX items_name_idx ON app.items USING btree (name);

CREATE TRIGGER items_touch BEFORE UPDATE ON app.items FOR EACH ROW EXECUTE FUNCTION app.touch();

COMMENT ON TABLE app.items IS 'Items; with E''quotes'' and $$ dollars';

REVOKE USAGE ON SCHEMA public FROM PUBLIC;

--
-- PostgreSQL database dump complete
--

\unrestrict AbC123dEf

\connect other
