-- What a restore left in the database, for bench/init_fresh.sh: one line per user table (rows and
-- the sum of hashtext(row::text), so escaping mistakes show), then the large objects (count and
-- a hash of their pages), constraints and indexes.  migrate-entry's own tables are left out.
SELECT format('%I.%I rows=%s hash=%s', s.nspname, s.relname,
              (xpath('/row/n/text()', s.x))[1], (xpath('/row/h/text()', s.x))[1])
FROM (SELECT n.nspname, c.relname,
             query_to_xml(format('SELECT count(*) AS n, coalesce(sum(hashtext(t::text)), 0) AS h FROM %I.%I t',
                                 n.nspname, c.relname), false, true, '') AS x
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\_toast%'
        AND c.relname NOT LIKE 'migrate\_entry\_%' AND c.relname <> 'alembic_version') s
ORDER BY s.nspname, s.relname;
SELECT format('large objects=%s pages=%s hash=%s', (SELECT count(*) FROM pg_largeobject_metadata),
              count(*), coalesce(sum(hashtext(data::text)), 0))
FROM pg_largeobject;
SELECT format('constraints=%s indexes=%s',
              (SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
               WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                 AND c.conrelid NOT IN (SELECT oid FROM pg_class WHERE relname LIKE 'migrate\_entry\_%')),
              (SELECT count(*) FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
                 AND tablename NOT LIKE 'migrate\_entry\_%'));
