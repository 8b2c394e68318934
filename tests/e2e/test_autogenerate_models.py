"""`migrate revision --autogenerate` from SQLAlchemy models (docs/reference.md 10.9): the real
Alembic (Debian's 1.8.1) compares env.py's target_metadata with the database at head, and its
operations are written as SQL through its offline mode.  The reference for "exact" is the
schema the models make themselves (`metadata.create_all`)."""
import os
import subprocess

import pytest

from revtools import Mig, create_db, pg_dump_schema, write_rev

A = "aaaa00000001"
NEW = "bbbb00000002"

ALEMBIC_INI = """[alembic]
script_location = alembic
sqlalchemy.url = postgresql://nobody@127.0.0.1:1/not-this-one

[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = WARN
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic
[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

# Alembic's own template (`alembic init`), with the models imported
ENV_PY = """import os
import sys

from alembic import context
from sqlalchemy import engine_from_config, pool

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from models import Base  # noqa: E402

config = context.config
target_metadata = {metadata}


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""

HEADER = """import enum
from sqlalchemy import (Column, DateTime, Enum, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint, func)
from sqlalchemy.orm import declarative_base

Base = declarative_base()
"""

USERS = """
class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String(200), nullable=False)
"""

# what the first revision makes: the users model, as create_all makes it
START = ("CREATE TABLE users (id SERIAL NOT NULL, email VARCHAR(200) NOT NULL, "
         "PRIMARY KEY (id));")

MORE = """
class Status(enum.Enum):
    open = "open"
    closed = "closed"


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String(200), nullable=False)
    nick = Column(Text)


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                     index=True)
    total = Column(Numeric(10, 2), nullable=False, server_default="0")
    status = Column(Enum(Status, name="order_status"), nullable=False)
    placed_at = Column(DateTime(timezone=True), server_default=func.now())
    code = Column(String(20), unique=True)
"""


@pytest.fixture
def project(pg, dbname, tmp_path):
    create_db(pg, dbname)
    (tmp_path / "alembic").mkdir()
    (tmp_path / "alembic.ini").write_text(ALEMBIC_INI)
    (tmp_path / "alembic" / "env.py").write_text(ENV_PY.format(metadata="Base.metadata"))
    (tmp_path / "migrations").mkdir()
    write_rev(tmp_path / "migrations", A, upgrade=START, downgrade="DROP TABLE users;")
    mig = Mig(pg, dbname, tmp_path / "migrations", tmp_path)
    mig.ok("upgrade", "head")
    return mig


def models(mig, body):
    with open(os.path.join(mig.cwd, "models.py"), "w") as f:
        f.write(HEADER + body)


def generated(mig):
    with open(os.path.join(mig.mdir, f"{NEW}_from_the_models.sql")) as f:
        return f.read()


def autogenerate(mig, *extra):
    return mig("revision", "--autogenerate", "-m", "from the models", "--rev-id", NEW, *extra,
               timeout=120)


def dump(pg, db):
    return pg_dump_schema(pg, db, "-T", "alembic_version")


def create_all(pg, cwd):
    """A database made by the models themselves."""
    db = create_db(pg, "ref_" + os.urandom(6).hex())
    subprocess.run(["/usr/bin/python3", "-c",
                    "import sys, models; from sqlalchemy import create_engine; "
                    "models.Base.metadata.create_all(create_engine(sys.argv[1]))", pg.url(db)],
                   cwd=cwd, check=True)
    return dump(pg, db)


def test_the_models_revision_reaches_the_models_schema_and_comes_back(pg, project):
    models(project, MORE)
    before = dump(pg, project.db)
    r = autogenerate(project)
    assert r.returncode == 0, r.stderr
    text = generated(project)
    up, down = text.split("-- migrate:downgrade\n")
    assert ("-- Generated by migrate revision --autogenerate from the models of alembic.ini "
            "(Alembic 1.8.1): 3 operations\n--   add_table orders\n"
            "--   add_index ix_orders_user_id on orders\n--   add_column users.nick\n") in up
    assert "CREATE TYPE order_status AS ENUM ('open', 'closed');" in up
    assert "detected: add_table orders" in r.stderr
    assert "WARNING" not in text
    # env.py's own URL (in alembic.ini) is not the one used: the target's is
    project.ok("upgrade", "head")
    assert dump(pg, project.db) == create_all(pg, project.cwd)
    project.ok("downgrade", "-1")
    assert dump(pg, project.db) == before


def test_models_that_match_write_an_empty_revision_and_ignore_the_tools_tables(pg, project):
    models(project, USERS)
    r = autogenerate(project)
    assert r.returncode == 0, r.stderr
    assert "no changes detected: the database at head matches the models" in r.stderr
    assert "(Alembic 1.8.1): 0 operations\n" in generated(project)
    assert "migrate_entry_history" not in generated(project)


def test_what_alembic_cannot_render_is_a_warning_where_it_would_be(pg, project):
    models(project, USERS.replace('email = Column(String(200), nullable=False)',
                                  'email = Column(String(200), nullable=False)\n'
                                  '    __table_args__ = (UniqueConstraint("email"),)'))
    r = autogenerate(project)
    assert r.returncode == 0, r.stderr
    up, down = generated(project).split("-- migrate:downgrade\n")
    assert "ALTER TABLE users ADD UNIQUE (email);" in up
    assert ("-- WARNING: remove_constraint UniqueConstraint (email) on users: Alembic cannot "
            "render it (CompileError: Can't emit DROP CONSTRAINT for constraint "
            "UniqueConstraint(); it has no name); write it by hand\n") in down
    assert "\n-- NOT RENDERED: remove_constraint UniqueConstraint (email) on users" in down
    assert "warning: downgrade: remove_constraint UniqueConstraint (email)" in r.stderr


def test_an_env_py_without_target_metadata_is_a_configuration_error(pg, project):
    models(project, USERS)
    with open(os.path.join(project.cwd, "alembic", "env.py"), "w") as f:
        f.write(ENV_PY.format(metadata="None"))
    r = autogenerate(project)
    assert r.returncode == 3, r.stderr
    assert ("error: env.py could not compare the models with the database: LookupError: env.py "
            "gives context.configure() no target_metadata") in r.stderr
    assert os.listdir(project.mdir) == [f"{A}_rev.sql"]


def test_a_database_behind_head_is_refused_before_python_runs(pg, project):
    models(project, "raise SystemExit('models imported')\n")
    write_rev(project.mdir, "cccc00000003", down=A, upgrade="SELECT 1;", downgrade="SELECT 1;")
    r = project("revision", "--autogenerate", "-m", "x", "--head", "cccc00000003")
    assert r.returncode == 9, r.stderr
    assert "the database is not up to date: it is at aaaa00000001" in r.stderr
    assert "models imported" not in r.stderr


def test_models_and_a_schema_file_together_are_a_usage_error(pg, project):
    r = autogenerate(project, "--models", "--schema", "schema.sql")
    assert r.returncode == 2, r.stderr
    assert "--models and --schema name two sources of the schema: give one" in r.stderr


def test_check_models_lists_what_differs_and_exits_1(pg, project):
    models(project, USERS)
    r = project("check", "--models", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "the database matches the models of alembic.ini (Alembic 1.8.1)" in r.stderr
    assert r.stdout == ""
    models(project, MORE)
    r = project("check", "--models", timeout=120)
    assert r.returncode == 1, r.stderr
    assert r.stdout == ("add_table orders\nadd_index ix_orders_user_id on orders\n"
                        "add_column users.nick\n")
    assert ("error: the database does not match the models of alembic.ini: 3 operations detected "
            "(Alembic 1.8.1)") in r.stderr
    # the pending-revisions meaning of check is unchanged
    assert project("check").returncode == 0


def test_migrate_test_checks_the_schema_at_head_against_the_models(pg, project):
    models(project, USERS)
    r = project("test", "--models", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "the schema at head matching the models," in r.stdout
    models(project, MORE)
    r = project("test", "--models", timeout=120)
    assert r.returncode == 7, r.stderr
    assert ("error: the schema at head does not match the models of alembic.ini: Alembic "
            "detects 3 operations (add_table orders; add_index ix_orders_user_id on orders; "
            "add_column users.nick)") in r.stderr
    assert pg.sql("SELECT count(*) FROM pg_database WHERE datname LIKE 'migrate\\_test\\_%'") \
        == [(0,)]


def test_migrate_test_compares_the_models_with_the_scratch_database(pg, project):
    """The target already has what the models add: only the scratch database at head lacks
    it, so a failure shows that the scratch database is the one compared."""
    models(project, MORE)
    subprocess.run(["/usr/bin/python3", "-c",
                    "import sys, models; from sqlalchemy import create_engine, text; "
                    "e = create_engine(sys.argv[1]); models.Base.metadata.create_all(e); "
                    "c = e.connect(); c.execute(text('ALTER TABLE users ADD COLUMN nick text')); "
                    "c.commit() if hasattr(c, 'commit') else None",
                    project.pg.url(project.db)], cwd=project.cwd, check=True)
    assert project("check", "--models", timeout=120).returncode == 0
    r = project("test", "--models", timeout=120)
    assert r.returncode == 7, r.stderr
    assert "Alembic detects 3 operations" in r.stderr
