"""The template cache (database.template_cache, docs/reference.md §7.3): the first bootstrap
that creates a database leaves a template at head, later creations of a missing database clone
it; stale templates are dropped; a template in use or a missing privilege falls back to the
plain way with one log line; replicas racing make it once.

The tests run on a cluster of their own (template1 there lets every role create in the public
schema, for the role tests), and each test writes a project of its own (its own root revision,
so its own template and its own project identity)."""
import hashlib
import re
import subprocess
import uuid
from types import SimpleNamespace

import psycopg2
import pytest

from conftest import BIN, MIGRATE, clean_env, run
from initlib import strip_restrict
from pgcluster import PG_BIN, SUPERUSER, Cluster

PREFIX = "migrate_entry_template_"
COMMENT_RE = re.compile(r"^migrate-entry template cache 1: digest ([0-9a-f]{64}); "
                        r"checked [0-9a-f]{16}; project (.*)$")


@pytest.fixture(scope="module")
def tc():
    cluster = Cluster("tcache").start()
    cluster.sql("GRANT CREATE ON SCHEMA public TO PUBLIC", db="template1")
    yield cluster
    cluster.destroy()


@pytest.fixture(autouse=True)
def no_templates_left(tc):
    """Each test starts on a server without templates and leaves none (not even a decoy)."""
    yield
    drop_templates(tc, list(templates(tc)))


def revision(rev, down, message, upgrade):
    return (f"-- revision: {rev}\n-- down_revision: {down}\n-- branch_labels: None\n"
            f"-- depends_on: None\n-- create_date: 2025-08-10 12:00:00\n-- message: {message}\n\n"
            f"-- migrate:upgrade\n{upgrade}\n\n-- migrate:downgrade\n\n")


@pytest.fixture
def project(tmp_path):
    """Two init scripts (a schema and 250 seeded rows) and two revisions, rooted at a revision
    id of this test's own."""
    root, second = uuid.uuid4().hex[:12], uuid.uuid4().hex[:12]
    init = tmp_path / "sql" / "init" / "20250101"
    init.mkdir(parents=True)
    (init / "01_schema.sql").write_text(
        "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);\n"
        "CREATE TABLE notes (id serial PRIMARY KEY, item int REFERENCES items(id), body text);\n"
        "CREATE INDEX notes_item ON notes (item);\n")
    (init / "02_seed.sql").write_text(
        "INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 250) g;\n")
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / f"{root}_tags.sql").write_text(
        revision(root, "None", "tags", "CREATE TABLE tags (id serial PRIMARY KEY, tag text);"))
    (mig / f"{second}_price.sql").write_text(
        revision(second, root, "price", "ALTER TABLE items ADD COLUMN price numeric;"))
    return SimpleNamespace(path=tmp_path, root=root, head=second)


def newdb():
    return "tc_" + uuid.uuid4().hex[:10]


def env_for(cluster, db, user=SUPERUSER, password=None, **extra):
    url = cluster.url(db, user=user, password=password) if password else cluster.url(db, user=user)
    return clean_env(DATABASE_URL=url, MIGRATE_DATABASE_TEMPLATE_CACHE="true", **extra)


def boot(cluster, project, db, *args, **extra):
    return run(["--min-tables", "3", *args, "--", "true"], env=env_for(cluster, db, **extra),
               cwd=project.path, timeout=120)


def templates(cluster):
    """{name: (datistemplate, datallowconn, comment)} of every database named like ours."""
    rows = cluster.sql("SELECT datname, datistemplate, datallowconn, "
                       "shobj_description(oid, 'pg_database') FROM pg_database "
                       "WHERE datname LIKE 'migrate\\_entry\\_template\\_%'")
    return {r[0]: r[1:] for r in rows}


def sessions(cluster, db):
    """How many sessions were opened in db (pg_stat_database, flushed when each ends)."""
    return cluster.sql("SELECT sessions FROM pg_stat_database WHERE datname = %s",
                       params=(db,))[0][0]


def summary(r):
    return r.stderr.strip().splitlines()[-1]


def made(r):
    m = re.search(r"; template (\S+) made in ", summary(r))
    assert m, r.stderr
    return m.group(1)


def head(cluster, db):
    return cluster.sql("SELECT version_num FROM alembic_version", db=db)


def schema(cluster, db):
    dump = subprocess.run([f"{PG_BIN}/pg_dump", "-h", cluster.sock, "-p", str(cluster.port),
                           "-U", SUPERUSER, "--schema-only", db], check=True,
                          stdout=subprocess.PIPE).stdout
    return strip_restrict(dump)


def drop_templates(cluster, names):
    for name in names:
        cluster.sql(f'ALTER DATABASE "{name}" IS_TEMPLATE false')
        cluster.sql(f'DROP DATABASE IF EXISTS "{name}"')


def test_first_creation_makes_a_template_at_head(tc, project):
    db = newdb()
    r = boot(tc, project, db)
    assert r.returncode == 0, r.stderr
    name = made(r)
    assert "; database created in " in summary(r)
    assert f'made template "{name}" of database "{db}" in ' in r.stderr
    assert head(tc, db) == [(project.head,)]
    istemplate, allowconn, comment = templates(tc)[name]
    assert istemplate and not allowconn
    m = COMMENT_RE.match(comment)
    assert m, comment
    assert name == PREFIX + m.group(1)[:16]
    assert m.group(2) == f"roots {project.root}, version table alembic_version, role {SUPERUSER}"
    # a warm start of the same database touches no template
    r = boot(tc, project, db)
    assert r.returncode == 0, r.stderr
    assert "template" not in r.stderr


def test_second_database_is_cloned_and_equal(tc, project):
    first, second = newdb(), newdb()
    r = boot(tc, project, first)
    assert r.returncode == 0, r.stderr
    name = made(r)
    r = boot(tc, project, second)
    assert r.returncode == 0, r.stderr
    s = summary(r)
    assert f"; database created from template {name} in " in s, s
    assert f'created database "{second}" from template "{name}"' in r.stderr
    # the template is sealed (it takes no connections): its copy is what the first run
    # verified, under the same digest, and the run does not connect to it at all
    assert (f"; no lock needed; init scripts and revisions as in the template; at head "
            f"{project.head}; verified when the template was made; exec true") in s, s
    assert "made in" not in s
    assert sessions(tc, second) == 0
    assert head(tc, second) == [(project.head,)]
    assert schema(tc, first) == schema(tc, second)
    for table in ("items", "migrate_entry_init", "migrate_entry_history"):
        assert tc.sql(f"SELECT count(*) FROM {table}", db=second) == \
            tc.sql(f"SELECT count(*) FROM {table}", db=first)
    assert tc.sql("SELECT count(*) FROM items", db=second) == [(250,)]
    # copied, not run again: the bookkeeping rows are the first database's, to the microsecond
    q = "SELECT path, applied_at FROM migrate_entry_init ORDER BY path"
    assert tc.sql(q, db=second) == tc.sql(q, db=first)
    assert tc.sql("SELECT datistemplate, datallowconn FROM pg_database WHERE datname = %s",
                  params=(second,)) == [(False, True)]
    assert list(templates(tc)) == [name]


def test_changed_digest_makes_a_new_template_and_drops_the_stale_one(tc, project):
    r = boot(tc, project, newdb())
    assert r.returncode == 0, r.stderr
    old = made(r)
    old_comment = templates(tc)[old][2]
    # not ours, whatever the name says: no comment, and another project's comment
    decoys = [PREFIX + "0123456789abcdef", PREFIX + "fedcba9876543210"]
    tc.sql(f'CREATE DATABASE "{decoys[0]}"')
    tc.sql(f'CREATE DATABASE "{decoys[1]}"')
    other = COMMENT_RE.match(old_comment).group(2).replace("roots ", "roots 0000")
    tc.sql(f"COMMENT ON DATABASE \"{decoys[1]}\" IS "
           f"'migrate-entry template cache 1: digest {'0' * 64}; project {other}'")
    third = uuid.uuid4().hex[:12]
    (project.path / "migrations" / f"{third}_label.sql").write_text(
        revision(third, project.head, "label", "ALTER TABLE tags ADD COLUMN label text;"))
    db = newdb()
    r = boot(tc, project, db)
    assert r.returncode == 0, r.stderr
    new = made(r)
    assert new != old
    assert f"upgraded base -> {third} (3 revisions" in summary(r)
    assert f'dropped the stale template "{old}"' in r.stderr
    assert head(tc, db) == [(third,)]
    assert sorted(templates(tc)) == sorted([new] + decoys)
    # and the next database comes from the new one, at the new head
    db = newdb()
    r = boot(tc, project, db)
    assert r.returncode == 0, r.stderr
    assert f"; database created from template {new} in " in summary(r)
    assert f"; at head {third}" in summary(r)


def test_template_in_use_falls_back_with_one_line(tc, project):
    r = boot(tc, project, newdb())
    assert r.returncode == 0, r.stderr
    name = made(r)
    # someone let connections in (to look at it) and is connected
    tc.sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    holder = psycopg2.connect(host=tc.sock, port=tc.port, user=SUPERUSER, dbname=name)
    try:
        db = newdb()
        r = boot(tc, project, db)
    finally:
        holder.close()
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stderr.splitlines() if "template" in l]
    assert lines == [f'migrate-entry: template "{name}" is in use (1 session): '
                     f'creating database "{db}" without it'], r.stderr
    assert "; database created in " in summary(r)
    assert "; init 2 of 2 scripts ran" in summary(r)
    assert head(tc, db) == [(project.head,)]
    assert list(templates(tc)) == [name]


def test_a_template_opened_for_connections_is_copied_and_checked(tc, project):
    r = boot(tc, project, newdb())
    assert r.returncode == 0, r.stderr
    name = made(r)
    # someone let connections in and changed it: its copies are no longer taken on trust
    tc.sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    tc.sql("DROP TABLE tags", db=name)
    db = newdb()
    r = boot(tc, project, db)
    assert r.returncode == 7, r.stderr
    assert f'created database "{db}" from template "{name}"' in r.stderr
    assert "verification failed: 2 tables in public, at least 3 expected" in r.stderr, r.stderr
    # the same template, left unchanged but open: the copy is checked, and passes
    tc.sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    drop_templates(tc, [name])
    r = boot(tc, project, newdb())
    assert r.returncode == 0, r.stderr
    name = made(r)
    tc.sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    db = newdb()
    r = boot(tc, project, db)
    assert r.returncode == 0, r.stderr
    s = summary(r)
    assert f"; database created from template {name} in " in s, s
    assert "; no lock needed; init 0 of 2 scripts ran" in s, s
    assert f"; at head {project.head}; verified: " in s, s
    assert sessions(tc, db) >= 1


def test_a_run_that_checks_something_else_checks_the_copy(tc, project):
    # the template's comment names the checks its database passed; a run with other verify
    # settings clones the same template (its content is the same) and checks the copy
    r = boot(tc, project, newdb())
    assert r.returncode == 0, r.stderr
    name = made(r)
    db = newdb()
    r = run(["--min-tables", "2", "--", "true"], env=env_for(tc, db), cwd=project.path,
            timeout=120)
    assert r.returncode == 0, r.stderr
    s = summary(r)
    assert f"; database created from template {name} in " in s, s
    assert "; verified: 3 tables in public (at least 2 expected)" in s, s
    assert sessions(tc, db) >= 1
    manifest = project.path / "tables.txt"
    manifest.write_text("public.items\npublic.notes\n")
    r = boot(tc, project, newdb(), MIGRATE_VERIFY_MANIFEST=str(manifest))
    assert r.returncode == 0, r.stderr
    assert "; verified: 2 of 2 baseline tables present" in summary(r), r.stderr
    manifest.write_text("public.items\npublic.notes\npublic.tasks\n")
    r = boot(tc, project, newdb(), MIGRATE_VERIFY_MANIFEST=str(manifest))
    assert r.returncode == 7, r.stderr
    assert "public.tasks" in r.stderr
    assert "made in" not in r.stderr
    assert list(templates(tc)) == [name]


def test_no_privilege_to_copy_the_database_keeps_the_bootstrap(tc, project):
    # The owner of new databases is a role the bootstrap's role is a member of without
    # inheriting its privileges: it may create the database for that owner, but not copy it.
    role = "tc_builder_" + uuid.uuid4().hex[:6]
    tc.sql("DO $$BEGIN CREATE ROLE tc_owner NOLOGIN; "
           "EXCEPTION WHEN duplicate_object THEN NULL; END$$")
    tc.sql(f"CREATE ROLE {role} LOGIN PASSWORD 'pw' CREATEDB NOINHERIT IN ROLE tc_owner")
    db = newdb()
    r = boot(tc, project, db, user=role, password="pw", MIGRATE_DATABASE_OWNER="tc_owner")
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stderr.splitlines() if "template" in l]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f'migrate-entry: no template made of database "{db}": '
                               f'permission denied to copy database "{db}"'), lines
    assert "made in" not in summary(r)
    assert head(tc, db) == [(project.head,)]
    assert templates(tc) == {}


def test_role_without_createdb(tc, project):
    role = "tc_plain_" + uuid.uuid4().hex[:6]
    tc.sql(f"CREATE ROLE {role} LOGIN PASSWORD 'pw' CREATEDB")
    r = boot(tc, project, newdb(), user=role, password="pw")
    assert r.returncode == 0, r.stderr
    name = made(r)
    tc.sql(f"ALTER ROLE {role} NOCREATEDB")
    # a missing database: the clone is refused (one line), then the plain way's error
    db = newdb()
    r = boot(tc, project, db, user=role, password="pw")
    assert r.returncode == 5, r.stderr
    lines = [l for l in r.stderr.splitlines() if "template" in l]
    assert len(lines) == 1 and lines[0].startswith(
        f'migrate-entry: warning: cannot create database "{db}" from template "{name}": '
        "permission denied to create database"), r.stderr
    assert lines[0].endswith("; creating it without the template")
    assert f'error: cannot create database "{db}": permission denied' in r.stderr
    assert "hint: grant the role CREATEDB" in r.stderr
    # an existing database: the bootstrap runs, and says nothing about templates
    db = newdb()
    tc.sql(f'CREATE DATABASE "{db}" OWNER {role}')
    r = boot(tc, project, db, user=role, password="pw")
    assert r.returncode == 0, r.stderr
    assert "template" not in r.stderr
    assert head(tc, db) == [(project.head,)]
    assert list(templates(tc)) == [name]


def test_unfinished_template_is_made_again(tc, project):
    r = boot(tc, project, newdb())
    assert r.returncode == 0, r.stderr
    name = made(r)
    # as a run stopped between CREATE DATABASE and finishing it leaves it
    tc.sql(f'ALTER DATABASE "{name}" IS_TEMPLATE false')
    tc.sql(f'COMMENT ON DATABASE "{name}" IS NULL')
    r = boot(tc, project, newdb())
    assert r.returncode == 0, r.stderr
    assert f'dropped "{name}", a template left unfinished' in r.stderr
    assert made(r) == name
    assert templates(tc)[name][0] is True


def test_eight_replicas_make_one_template_and_apply_everything_once(tc, project):
    db = newdb()
    env = env_for(tc, db)
    procs = [subprocess.Popen([BIN, "--min-tables", "3", "--", "true"], env=env, cwd=project.path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(8)]
    results = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    for p in procs:
        p.stderr.close()
    assert all(rc == 0 for rc, _ in results), results
    errs = [err for _, err in results]
    assert sum("; template " in summary_of(e) and " made in " in summary_of(e) for e in errs) == 1
    assert sum("; database created in " in summary_of(e) for e in errs) == 1
    assert sum("ran init script 20250101/01_schema.sql" in e for e in errs) == 1
    assert len(templates(tc)) == 1
    assert tc.sql("SELECT count(*) FROM pg_database WHERE datname = %s", params=(db,)) == [(1,)]
    assert tc.sql("SELECT count(*) FROM migrate_entry_init", db=db) == [(2,)]
    assert tc.sql("SELECT count(*) FROM migrate_entry_history WHERE direction = 'upgrade'",
                  db=db) == [(2,)]
    assert tc.sql("SELECT count(*) FROM items", db=db) == [(250,)]
    assert head(tc, db) == [(project.head,)]


def summary_of(stderr):
    lines = stderr.strip().splitlines()
    return lines[-1] if lines else ""


def test_migrate_create_template_cache(tc, project):
    env = clean_env(DATABASE_URL=tc.url("postgres"))
    # no template yet: created empty, and said so once
    db = newdb()
    r = run(["--database-url", tc.url(db), "create", "--template-cache"], env=env, cwd=project.path,
            binary=MIGRATE)
    assert r.returncode == 0, r.stderr
    assert len([l for l in r.stderr.splitlines() if "no template" in l]) == 1, r.stderr
    assert r.stderr.strip().endswith(f"database postgres@127.0.0.1:{tc.port}/{db} created")
    assert templates(tc) == {}
    # a bootstrap makes it, and `migrate create --template-cache` clones it: at head at once
    r = boot(tc, project, newdb())
    assert r.returncode == 0, r.stderr
    name = made(r)
    db = newdb()
    r = run(["--database-url", tc.url(db), "create", "--template-cache"], env=env, cwd=project.path,
            binary=MIGRATE)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().endswith(
        f"database postgres@127.0.0.1:{tc.port}/{db} created from template {name}"), r.stderr
    assert head(tc, db) == [(project.head,)]
    # without the option `create` does not look
    db = newdb()
    r = run(["--database-url", tc.url(db), "create"], env=env, cwd=project.path, binary=MIGRATE)
    assert r.returncode == 0, r.stderr
    assert "template" not in r.stderr
    assert tc.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", db=db) == [(0,)]


def test_a_run_waits_while_another_makes_a_template_of_its_database(tc, project):
    # a builder wears a mark in pg_stat_activity while it makes the template of a database;
    # a run on that database waits for it before starting its program, so that the program
    # cannot write into the database before it is copied
    db = newdb()
    assert boot(tc, project, db).returncode == 0
    drop_templates(tc, list(templates(tc)))
    mark = "migrate-entry templating " + hashlib.sha256(db.encode()).hexdigest()[:12]
    holder = psycopg2.connect(host=tc.sock, port=tc.port, user=SUPERUSER, dbname="postgres",
                              application_name=mark + " migrate-entry@elsewhere")
    p = subprocess.Popen([BIN, "--", "echo", "started"], env=env_for(tc, db), cwd=project.path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stderr.readline()
        while line and "waiting for pid" not in line:
            line = p.stderr.readline()
        assert f'is making a template of database "{db}", before going on' in line, line
        assert p.poll() is None
    finally:
        holder.close()
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert out == "started\n"


def requested_checkpoints(cluster):
    return cluster.sql("SELECT checkpoints_req FROM pg_stat_bgwriter")[0][0]


def test_strategy_is_used_for_every_copy(tc, project):
    """database.strategy (docs/reference.md §3): FILE_COPY checkpoints around the copy, WAL_LOG
    does not; the clone is the same either way.  Unset, the cache's copies (not the plain
    CREATE DATABASE) use FILE_COPY."""
    first, second, third = newdb(), newdb(), newdb()
    before = requested_checkpoints(tc)
    r = boot(tc, project, first)
    assert r.returncode == 0, r.stderr
    made(r)
    assert requested_checkpoints(tc) == before + 2  # the template's copy, not the create
    before = requested_checkpoints(tc)
    r = boot(tc, project, second)
    assert r.returncode == 0, r.stderr
    assert "; database created from template " in summary(r), r.stderr
    assert requested_checkpoints(tc) == before + 2
    drop_templates(tc, list(templates(tc)))
    first, second = newdb(), newdb()
    before = requested_checkpoints(tc)
    r = boot(tc, project, first, MIGRATE_DATABASE_STRATEGY="wal_log")
    assert r.returncode == 0, r.stderr
    name = made(r)
    assert requested_checkpoints(tc) == before  # the create and the template's copy
    before = requested_checkpoints(tc)
    r = boot(tc, project, second, MIGRATE_DATABASE_STRATEGY="file_copy")
    assert r.returncode == 0, r.stderr
    assert f"; database created from template {name} in " in summary(r), r.stderr
    # the clone: FILE_COPY requests a checkpoint before the copy and one after it
    assert requested_checkpoints(tc) == before + 2
    assert schema(tc, first) == schema(tc, second)
    r = boot(tc, project, third, MIGRATE_DATABASE_STRATEGY="no_such_strategy")
    assert r.returncode == 6, r.stderr
    assert 'invalid create database strategy "no_such_strategy"' in r.stderr
    assert tc.sql("SELECT count(*) FROM pg_database WHERE datname = %s", params=(third,)) == [(0,)]
