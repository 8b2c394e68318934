"""The Python half of `migrate import-alembic` and of `migrate revision --autogenerate` from
SQLAlchemy models (src/cmd/cmd_import.c and src/cmd/cmd_schema.c run it; it is compiled into
the binary, see the Makefile).

It loads an Alembic project (alembic.ini, its script directory, env.py) with the Alembic that
the interpreter imports, renders every revision by itself in Alembic's offline mode (one
revision per run, upgrade and downgrade, literal binds, the PostgreSQL dialect) and writes what
it found as records for the C side on its standard output; everything else it or the project
prints goes to standard error.

A record is `TAG LENGTH\\n` followed by LENGTH bytes of UTF-8 and `\\n`.  Tags:
  fatal TEXT            the project cannot be read at all (the C side exits 3)
  warning TEXT          something the import could not carry over or had to guess
  setting NAME=VALUE    what env.py configures that migrate.ini should say too
  rev ID                a revision begins; then, in any order:
    path P              its Python file, relative to the script directory's versions
    down ID / label L / dep ID   (each repeated; dep is the resolved revision id)
    date D / message M
    up.tx SQL / up.auto SQL      one rendered segment of upgrade(), in order: in the
                                 migration's transaction, or inside autocommit_block()
    up.error TEXT / up.source PY upgrade() cannot be rendered offline: why, and its source
    down.* ...                   the same for downgrade()
  end                   all revisions were sent

With `--autogenerate INI SECTION URL` it runs env.py online against URL (as `sqlalchemy.url`),
has Alembic compare env.py's target_metadata with that database, and sends one `rev
autogenerate` whose up.tx / down.tx are the operations rendered in offline mode, with a
`detected TEXT` record per operation (as Alembic logs them) before it.
"""
import ast
import io
import logging
import os
import re
import sys
import traceback
import types
from contextlib import contextmanager

OUT = None


def emit(tag, text=""):
    data = text.encode("utf-8", "surrogateescape")
    OUT.write(b"%s %d\n" % (tag.encode(), len(data)))
    OUT.write(data)
    OUT.write(b"\n")


def fatal(text):
    emit("fatal", text)
    OUT.flush()
    sys.exit(0)


def short_error(exc):
    """`ImportError: No module named 'myapp' (versions/x.py:12)`: the exception and the deepest
    frame in the project's own files."""
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if "/alembic/" not in frame.filename and "/sqlalchemy/" not in frame.filename \
                and not frame.filename.startswith("<"):
            where = " (%s:%d)" % (os.path.basename(frame.filename), frame.lineno)
            break
    text = "%s: %s" % (type(exc).__name__, exc)
    return " ".join(text.split()) + where


# ---- revision files that do not import ------------------------------------------------------

class Unimportable(Exception):
    pass


def stub_module(path, exc):
    """A revision file whose import failed (it imports the application, say): its module
    variables read without running it, and upgrade()/downgrade() that raise the import's error,
    so the graph stays whole and only this revision is marked."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    tree = ast.parse(source, path)
    mod = types.ModuleType(os.path.splitext(os.path.basename(path))[0])
    mod.__file__ = path
    mod.__doc__ = ast.get_docstring(tree)
    wanted = {"revision", "down_revision", "branch_labels", "depends_on"}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id in wanted:
                    try:
                        setattr(mod, t.id, ast.literal_eval(node.value))
                    except ValueError:
                        raise exc
    if not hasattr(mod, "revision"):
        raise exc
    error = short_error(exc)

    def failing(**kw):
        raise Unimportable(error)

    mod.upgrade = failing
    mod.downgrade = failing
    mod._import_source = source
    return mod


def tolerant_loader(alembic_util):
    real = alembic_util.load_python_file

    def load(dir_, filename):
        try:
            return real(dir_, filename)
        except Exception as exc:
            if filename == "env.py" or not filename.endswith(".py"):
                raise
            return stub_module(os.path.join(dir_, filename), exc)
    return load


def function_source(module, name):
    source = getattr(module, "_import_source", None)
    try:
        if source is None:
            with open(module.__file__, encoding="utf-8") as f:
                source = f.read()
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return "%s:%d\n%s" % (os.path.basename(module.__file__), node.lineno,
                                      ast.get_source_segment(source, node))
    except Exception:
        pass
    return ""


# ---- capturing one revision's SQL -----------------------------------------------------------

class Capture:
    """The segments of one migration function's output: (in_transaction, sql)."""

    def __init__(self, buf):
        self.buf = buf
        self.segments = []
        self.error = None
        self.start = 0

    def cut(self, upto, tx):
        text = self.buf.getvalue()[self.start:upto]
        if text.strip():
            self.segments.append((tx, text.strip("\n") + "\n"))


class CapturedStep:
    """Alembic's MigrationStep, whose migration function records what it prints."""

    def __init__(self, step, capture, context):
        self._step = step
        self._capture = capture
        self._context = context

    def __getattr__(self, name):
        return getattr(self._step, name)

    @property
    def migration_fn(self):
        real = self._step.migration_fn
        cap = self._capture
        ctx = self._context
        original_block = ctx.autocommit_block

        @contextmanager
        def block():
            cap.cut(cap.buf.tell(), True)
            with original_block():
                cap.start = cap.buf.tell()
                yield
                cap.cut(cap.buf.tell(), False)
            cap.start = cap.buf.tell()

        def run(**kw):
            cap.start = cap.buf.tell()
            begin = cap.start
            ctx.autocommit_block = block
            try:
                real(**kw)
                cap.cut(cap.buf.tell(), True)
            except Exception as exc:
                cap.error = exc.args[0] if isinstance(exc, Unimportable) else short_error(exc)
                cap.segments = []
                cap.buf.seek(begin)
                cap.buf.truncate()
            finally:
                del ctx.autocommit_block
        return run


class Environment:
    """Runs one revision's upgrade or downgrade through env.py (or, when env.py cannot run
    offline, through a plain PostgreSQL environment) and keeps what env.py configured."""

    def __init__(self, config, script):
        self.config = config
        self.script = script
        self.env_ok = True
        self.configured = None
        self.env_error = None
        self.rendered = 0

    def render(self, rev, upgrade):
        from alembic.runtime.environment import EnvironmentContext
        from alembic.runtime.migration import MigrationStep

        buf = io.StringIO()
        cap = Capture(buf)
        rmap = self.script.revision_map
        if upgrade:
            start = rev.down_revision or None
            step = MigrationStep.upgrade_from_script(rmap, rev)
        else:
            start = rev.revision
            step = MigrationStep.downgrade_from_script(rmap, rev)

        def steps(heads, context):
            return [CapturedStep(step, cap, context)]

        ctx = EnvironmentContext(self.config, self.script, fn=steps, as_sql=True,
                                 starting_rev=start, destination_rev=None)
        configure = ctx.configure

        def configure_offline(**kw):
            # an attribute of the instance, not a subclass: Alembic's module proxy
            # (alembic.context) is set up for EnvironmentContext itself
            if self.configured is None:
                self.configured = dict(kw)
            for k in ("connection", "url", "dialect_name", "dialect_opts", "literal_binds",
                      "output_buffer", "as_sql", "starting_rev", "tag"):
                kw.pop(k, None)
            kw.update(dialect_name="postgresql", dialect_opts={"paramstyle": "named"},
                      literal_binds=True, output_buffer=buf)
            configure(**kw)
            # PostgreSQL's standard_conforming_strings is on (since 9.1): a backslash in a
            # string literal is itself, not an escape to double
            ctx.get_context().dialect._backslash_escapes = False

        ctx.configure = configure_offline
        with ctx:
            try:
                if self.env_ok:
                    try:
                        self.script.run_env()
                    except Exception as exc:
                        if self.rendered:
                            raise
                        # env.py cannot run offline at all (it needs the application)
                        self.env_ok = False
                        self.env_error = short_error(exc)
                        buf.seek(0)
                        buf.truncate()
                        cap.segments, cap.error = [], None
                if not self.env_ok:
                    ctx.configure()
                    with ctx.begin_transaction():
                        ctx.run_migrations()
            except Exception as exc:
                # outside the revision's own function: Alembic could not run this step
                cap.segments, cap.error = [], short_error(exc)
        self.rendered += 1
        return cap


# ---- literal values SQLAlchemy cannot render -----------------------------------------------

def pg_literal(value):
    """A PostgreSQL literal for a bound value whose type has no literal renderer in this
    SQLAlchemy (dates in 1.4, untyped columns): the value's text, quoted, which PostgreSQL
    casts to the column's type.  None when the value is of a kind not handled here."""
    import datetime
    import decimal
    import json
    import uuid

    def quote(text):
        return "'" + text.replace("'", "''") + "'"
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") \
            else quote(str(value).replace("inf", "Infinity").replace("nan", "NaN"))
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, datetime.datetime):
        return quote(value.isoformat(" "))
    if isinstance(value, (datetime.date, datetime.time)):
        return quote(value.isoformat())
    if isinstance(value, datetime.timedelta):
        return quote("%d days %d seconds %d microseconds"
                     % (value.days, value.seconds, value.microseconds))
    if isinstance(value, uuid.UUID):
        return quote(str(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return quote("\\x" + bytes(value).hex())
    if isinstance(value, (dict, list)):
        return quote(json.dumps(value))
    return None


def literal_fallback():
    from sqlalchemy import exc as sa_exc
    from sqlalchemy.sql import compiler

    real = compiler.SQLCompiler.render_literal_value

    def render(self, value, type_):
        try:
            return real(self, value, type_)
        except sa_exc.CompileError:
            text = pg_literal(value)
            if text is None:
                raise
            return text
    compiler.SQLCompiler.render_literal_value = render


# ---- what env.py configures -----------------------------------------------------------------

SETTINGS = ("version_table", "version_table_schema", "transaction_per_migration")


def report_settings(env, env_path):
    if env.env_error:
        emit("warning", "env.py could not run offline (%s): revisions were rendered in a plain "
             "PostgreSQL environment; check by hand what env.py configures" % env.env_error)
        found = static_settings(env_path)
    else:
        found = {k: v for k, v in (env.configured or {}).items()}
    for name in SETTINGS:
        value = found.get(name)
        if value is None:
            continue
        if name == "version_table" and value == "alembic_version":
            continue
        if name == "transaction_per_migration":
            value = "true" if value else "false"
        emit("setting", "%s=%s" % (name, value))
    url = found.get("url")
    if url is not None and not str(url).startswith("postgres"):
        emit("warning", "env.py configures a database that is not PostgreSQL (%s): the "
             "revisions were rendered for PostgreSQL" % str(url).split(":")[0])
    for name, why in (("include_schemas", "it matters to autogenerate only"),
                      ("transactional_ddl", "migrate-entry always runs transactional DDL"),
                      ("process_revision_directives", "it matters to autogenerate only"),
                      ("on_version_apply", "the callbacks are not called by migrate-entry")):
        if found.get(name) not in (None, False):
            emit("warning", "env.py sets %s; not carried over: %s" % (name, why))


def static_settings(path):
    """The literal keyword arguments of env.py's context.configure(...) calls."""
    found = {}
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except Exception:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "configure":
            for kw in node.keywords:
                if kw.arg is None:
                    continue
                try:
                    found[kw.arg] = ast.literal_eval(kw.value)
                except ValueError:
                    if kw.arg in SETTINGS:
                        emit("warning", "env.py sets %s from an expression migrate cannot "
                             "read (line %d): set it in migrate.ini by hand"
                             % (kw.arg, kw.value.lineno))
    return found


# ---- the project ----------------------------------------------------------------------------

CREATE_DATE = re.compile(r"^Create Date:\s*(.+?)\s*$", re.M)


def send_revision(env, rev, versions_dirs):
    emit("rev", rev.revision)
    path = rev.path
    for d in versions_dirs:
        if path.startswith(d + os.sep):
            path = os.path.relpath(path, d)
            break
    else:
        path = os.path.basename(path)
    emit("path", path)
    down = rev.down_revision
    for d in (down if isinstance(down, (tuple, list)) else (down,) if down else ()):
        emit("down", d)
    for label in sorted(rev._orig_branch_labels or ()):
        emit("label", label)
    for dep in (getattr(rev, "_resolved_dependencies", None) or ()):
        emit("dep", dep)
    m = CREATE_DATE.search(rev.module.__doc__ or "")
    if m:
        emit("date", m.group(1))
    emit("message", rev.doc or "")
    for direction, upgrade in (("up", True), ("down", False)):
        cap = env.render(rev, upgrade)
        if cap.error is not None:
            emit(direction + ".error", cap.error)
            emit(direction + ".source",
                 function_source(rev.module, "upgrade" if upgrade else "downgrade"))
            continue
        for tx, text in cap.segments:
            emit(direction + (".tx" if tx else ".auto"), text)


# ---- revision --autogenerate from the models -----------------------------------------------

TOOL_TABLES = re.compile(r"^migrate_entry_")


def tool_table(op):
    """An operation on one of migrate-entry's own tables, which the models do not know."""
    name = getattr(op, "table_name", None)
    return bool(name) and bool(TOOL_TABLES.match(name))


def prune(container):
    """The operations left once those on the tool's own tables are gone."""
    kept = []
    for op in container.ops:
        if tool_table(op):
            continue
        if hasattr(op, "ops"):
            prune(op)
            if not op.ops:
                continue
        kept.append(op)
    container.ops = kept


def describe(diff):
    """One line for an operation, as Alembic's log says it: `add_table public.users`."""
    if isinstance(diff, list):  # modify_* diffs come grouped per column
        return "; ".join(describe(d) for d in diff)
    kind, rest = diff[0], diff[1:]
    if kind.startswith("modify_") and len(rest) >= 3:
        schema, table, column = rest[0], rest[1], rest[2]
        return "%s %s%s.%s" % (kind, schema + "." if schema else "", table, column)
    if kind in ("add_column", "remove_column"):
        schema, table, column = rest[0], rest[1], rest[2]
        return "%s %s%s.%s" % (kind, schema + "." if schema else "", table, column.name)
    obj = rest[0]
    name = getattr(obj, "fullname", None) or getattr(obj, "name", None)
    if not name:  # an unnamed constraint: its kind and columns
        columns = getattr(obj, "columns", None) or ()
        name = "%s (%s)" % (type(obj).__name__, ", ".join(c.name for c in columns))
    table = getattr(getattr(obj, "table", None), "fullname", None)
    return "%s %s%s" % (kind, name, " on " + table if table and table != name else "")


def render_ops(container):
    """The SQL of the operations, in Alembic's offline mode for PostgreSQL."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    buf = io.StringIO()
    ctx = MigrationContext.configure(dialect_name="postgresql",
                                     dialect_opts={"paramstyle": "named"},
                                     opts={"as_sql": True, "output_buffer": buf,
                                           "literal_binds": True})
    ctx.dialect._backslash_escapes = False
    operations = Operations(ctx)

    def walk(op):
        if hasattr(op, "ops"):
            for inner in op.ops:
                walk(inner)
            return
        try:
            operations.invoke(op)
        except Exception as exc:
            # an operation Alembic itself cannot carry out (an unnamed constraint to drop):
            # said in the file, where the statement would be, and in its header
            what = " ".join(describe(d) for d in [op.to_diff_tuple()]) \
                if hasattr(op, "to_diff_tuple") else type(op).__name__
            why = "%s: Alembic cannot render it (%s); write it by hand" % (what, short_error(exc))
            warnings.append(why)
            buf.write("-- NOT RENDERED: %s\n\n" % why)
    warnings = []
    walk(container)
    return buf.getvalue(), warnings


def autogenerate(ini, section, url):
    from alembic.autogenerate import produce_migrations
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    config = Config(ini, ini_section=section)
    set_script_location(config, ini, section)
    if url:
        # configparser reads % as interpolation
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    logging.disable(logging.INFO)
    literal_fallback()
    try:
        script = ScriptDirectory.from_config(config)
    except Exception as exc:
        fatal("%s: %s" % (ini, short_error(exc)))
    found = {}

    def compare(rev, context):
        metadata = context.opts.get("target_metadata")
        if metadata is None:
            raise LookupError("env.py gives context.configure() no target_metadata: there are "
                              "no models to compare")
        found["script"] = produce_migrations(context, metadata)
        return []

    try:
        with EnvironmentContext(config, script, fn=compare, as_sql=False):
            script.run_env()
    except Exception as exc:
        fatal("env.py could not compare the models with the database: %s" % short_error(exc))
    if "script" not in found:
        fatal("env.py did not run the migrations online (context.run_migrations() was not "
              "reached): nothing was compared")
    migration = found["script"]
    prune(migration.upgrade_ops)
    prune(migration.downgrade_ops)
    emit("rev", "autogenerate")
    for diff in migration.upgrade_ops.as_diffs():
        emit("detected", describe(diff))
    for tag, ops in (("up.tx", migration.upgrade_ops), ("down.tx", migration.downgrade_ops)):
        try:
            sql, problems = render_ops(ops)
        except Exception as exc:
            fatal("Alembic could not render the %s in offline mode: %s"
                  % ("upgrade" if tag == "up.tx" else "downgrade", short_error(exc)))
        for why in problems:
            emit("warning", "%s: %s" % ("upgrade" if tag == "up.tx" else "downgrade", why))
        emit(tag, sql)


def set_script_location(config, ini, section):
    try:
        location = config.get_main_option("script_location")
    except Exception as exc:
        fatal("%s: %s" % (ini, short_error(exc)))
    if not location:
        # Flask-Migrate's migrations/alembic.ini names no script_location: it is the
        # directory of the ini file.
        here = os.path.dirname(os.path.abspath(ini))
        if os.path.isfile(os.path.join(here, "env.py")):
            config.set_main_option("script_location", here)
        else:
            fatal("%s: no script_location in [%s]" % (ini, section))


def main(argv):
    global OUT
    OUT = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    autogen = argv[1] == "--autogenerate"
    if autogen:
        argv = argv[1:]
    ini, section = argv[1], argv[2]
    try:
        import alembic
        from alembic import util as alembic_util
        from alembic.config import Config
        from alembic.script import ScriptDirectory
    except ImportError as exc:
        fatal("%s cannot import Alembic (%s)" % (sys.executable, exc))
    emit("alembic", alembic.__version__)
    if not os.path.isfile(ini):
        fatal("%s: no such file" % ini)
    if autogen:
        autogenerate(ini, section, argv[3])
        emit("end")
        OUT.flush()
        return
    config = Config(ini, ini_section=section)
    set_script_location(config, ini, section)
    logging.disable(logging.INFO)
    alembic_util.load_python_file = tolerant_loader(alembic_util)
    literal_fallback()
    try:
        script = ScriptDirectory.from_config(config)
        revisions = list(script.walk_revisions("base", "heads"))
    except Exception as exc:
        fatal("%s: the revisions cannot be read: %s" % (ini, short_error(exc)))
    revisions.reverse()
    versions_dirs = [os.path.abspath(d) for d in script._version_locations]
    env = Environment(config, script)
    for rev in revisions:
        send_revision(env, rev, versions_dirs)
    report_settings(env, os.path.join(script.dir, "env.py"))
    emit("end")
    OUT.flush()


if __name__ == "__main__":
    main(sys.argv)
