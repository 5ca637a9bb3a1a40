"""Read a database's tables, columns and a bounded sample, read-only, under a statement timeout.

Everything runs in one read-only transaction that is rolled back at the end:
PostgreSQL ``BEGIN READ ONLY`` with ``statement_timeout``, MySQL/MariaDB
``START TRANSACTION READ ONLY`` with ``max_statement_time`` (MariaDB) or
``max_execution_time`` (MySQL), SQLite opened read-only (``mode=ro``,
``query_only``) with a progress handler that stops a statement at the timeout.
At most ``sample`` rows are read from each table (by primary key when it has
one, so the sample is the same from run to run), and each table's rows are
counted. Driver errors become one-line :class:`InputError`s with no password.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pledge.connectors.database.dsn import Target, require_sqlalchemy
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.redact import redact

SYSTEM_SCHEMAS = frozenset({
    "information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys",
})
MAX_VALUE_CHARS = 256
"""Longer values are cut before the detectors see them (no card number is that long)."""


@dataclass(frozen=True)
class Column:
    """One column: its name, its SQL type as the database names it, and sampled values."""

    name: str
    type: str
    is_text: bool
    values: tuple[str, ...] = ()
    """Non-null sampled values as text (cut to MAX_VALUE_CHARS); never printed."""


@dataclass(frozen=True)
class Table:
    """One table, its columns and how many rows it holds and were sampled."""

    schema: str | None
    name: str
    columns: tuple[Column, ...]
    rows: int
    sampled: int

    @property
    def qualified(self) -> str:
        """``schema.table`` (just ``table`` in SQLite's main database)."""
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass
class Snapshot:
    """What one discovery read: the tables, and how many rows it fetched in all."""

    target: Target
    tables: list[Table] = field(default_factory=list)
    rows_read: int = 0
    sample: int = 0


def _fail(code: str, target: Target, what: str, hint: str) -> InputErrors:
    return InputErrors([InputError(code, what, target.shown, None, hint)])


def _explain(exc: BaseException, target: Target, timeout: float) -> InputErrors:
    """A driver error as one line a person can act on; the password never appears."""
    text = " ".join(str(getattr(exc, "orig", None) or exc).split()).lower()
    if any(s in text for s in ("password authentication failed", "access denied",
                               "no pg_hba.conf entry", "authentication failed")) or (
            "role" in text and "does not exist" in text):
        return _fail("PLG-E023", target, "the server refused the user or password",
                     "check the user; give the password in PLEDGE_DB_PASSWORD")
    if any(s in text for s in ("statement timeout", "max_statement_time", "max_execution_time",
                               "maximum statement execution time", "interrupted",
                               "timeout expired", "timed out")):
        return _fail("PLG-E022", target, f"the server did not answer within {timeout:g} s",
                     "raise --timeout, or lower --sample")
    if "database" in text and ("does not exist" in text or "unknown database" in text):
        return _fail("PLG-E022", target, "the database does not exist on the server",
                     "check the database name in the DSN")
    if "unable to open database" in text or "file is not a database" in text:
        return _fail("PLG-E022", target, "the file is not a SQLite database it can open",
                     "check the path")
    if any(s in text for s in ("connection refused", "can't connect", "2003")):
        return _fail("PLG-E022", target, "cannot reach the database server (connection "
                     "refused)", "check the host and port, and that the server runs")
    if any(s in text for s in ("translate host name", "name or service not known",
                               "nodename nor servname", "name resolution", "unknown host")):
        return _fail("PLG-E022", target, "cannot reach the database server (unknown host)",
                     "check the host name")
    original = " ".join(str(getattr(exc, "orig", None) or exc).split())
    reason = redact(original.split(" (Background on this error", 1)[0])[:160]
    return _fail("PLG-E022", target, f"cannot reach the database server ({reason})",
                 "check the host and port, and that the server runs")


def _engine(target: Target, timeout: float) -> Any:
    sa = require_sqlalchemy()
    seconds = max(1, math.ceil(timeout))
    millis = max(1, int(timeout * 1000))
    url, args = target.url, {}
    if target.backend == "postgresql":
        args = {"connect_timeout": seconds, "application_name": "pledge-discover",
                "options": f"-c statement_timeout={millis} -c default_transaction_read_only=on"}
    elif target.backend in ("mysql", "mariadb"):
        args = {"connect_timeout": seconds, "read_timeout": seconds, "write_timeout": seconds}
    else:
        url = url.set(database=f"file:{url.database}?mode=ro", query={"uri": "true"})
    return sa.create_engine(url, connect_args=args, poolclass=sa.pool.NullPool,
                            isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def read_only(target: Target, timeout: float) -> Iterator[Any]:
    """A connection inside a read-only transaction with a statement timeout; rolled back after."""
    sa = require_sqlalchemy()
    engine = _engine(target, timeout)
    try:
        try:
            conn = engine.connect()
        except sa.exc.DBAPIError as exc:
            raise _explain(exc, target, timeout) from None
        try:
            _begin(conn, target, timeout)
            yield conn
        except sa.exc.DBAPIError as exc:
            raise _explain(exc, target, timeout) from None
        finally:
            with contextlib.suppress(Exception):
                conn.exec_driver_sql("ROLLBACK")
            conn.close()
    finally:
        engine.dispose()


def _begin(conn: Any, target: Target, timeout: float) -> None:
    if target.backend == "postgresql":
        conn.exec_driver_sql("BEGIN READ ONLY")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")
    elif target.backend in ("mysql", "mariadb"):
        version = str(conn.exec_driver_sql("SELECT VERSION()").scalar() or "")
        if "mariadb" in version.lower():
            conn.exec_driver_sql(f"SET SESSION max_statement_time = {timeout:.3f}")
        else:
            conn.exec_driver_sql(f"SET SESSION max_execution_time = {int(timeout * 1000)}")
        conn.exec_driver_sql("START TRANSACTION READ ONLY")
    else:
        raw = conn.connection.dbapi_connection
        deadline = time.monotonic() + timeout
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        conn.exec_driver_sql("PRAGMA query_only = ON")
        conn.exec_driver_sql("BEGIN")


def _schemas(inspector: Any, target: Target, schema: str | None) -> list[str | None]:
    if schema is not None:
        return [schema]
    if target.backend == "sqlite":
        return [None]
    if target.backend in ("mysql", "mariadb"):
        return [target.url.database or inspector.default_schema_name]
    return sorted(s for s in inspector.get_schema_names()
                  if s not in SYSTEM_SCHEMAS and not s.startswith("pg_"))


def _type_name(column: dict[str, Any], dialect: Any) -> str:
    kind = column["type"]
    try:
        return " ".join(str(kind.compile(dialect=dialect)).split())
    except Exception:
        return type(kind).__name__.upper()


def _is_text(column: dict[str, Any]) -> bool:
    try:
        return column["type"].python_type is str
    except NotImplementedError:
        return True


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, bytes | bytearray | memoryview):
        return None
    return str(value)[:MAX_VALUE_CHARS]


def snapshot(target: Target, *, sample: int, timeout: float, schema: str | None = None,
             progress: Callable[[int], Any] | None = None,
             on_tables: Callable[[int], Any] | None = None) -> Snapshot:
    """Read every table of ``schema`` (default: every user schema) with at most ``sample`` rows.

    ``on_tables`` is told how many tables there are, ``progress`` is called after each.
    """
    sa = require_sqlalchemy()
    result = Snapshot(target=target, sample=sample)
    with read_only(target, timeout) as conn:
        inspector = sa.inspect(conn)
        names: list[tuple[str | None, str]] = []
        described: dict[tuple[str | None, str], tuple[list[dict[str, Any]], list[str]]] = {}
        for each in _schemas(inspector, target, schema):
            found = _reflect(inspector, each)
            described.update(found)
            names += sorted(found, key=lambda key: key[1])
        if on_tables:
            on_tables(len(names))
        for each, name in names:
            columns, keys = described[(each, name)]
            table = _read_table(sa, conn, each, name, columns, keys, sample)
            result.tables.append(
                Table(schema=None if target.backend == "sqlite" else each, name=name,
                      columns=table[0], rows=table[1], sampled=table[2]))
            result.rows_read += table[2]
            if progress:
                progress(1)
    return result


def _reflect(inspector: Any, schema: str | None,
             ) -> dict[tuple[str | None, str], tuple[list[dict[str, Any]], list[str]]]:
    """Every table of ``schema``: its columns and primary-key columns, in two queries."""
    columns = inspector.get_multi_columns(schema=schema)
    keys = inspector.get_multi_pk_constraint(schema=schema)
    return {(schema, name): (list(described), list(
                (keys.get((key_schema, name)) or {}).get("constrained_columns") or []))
            for (key_schema, name), described in columns.items()}


def _read_table(sa: Any, conn: Any, schema: str | None, name: str,
                described: list[dict[str, Any]], keys: list[str],
                sample: int) -> tuple[tuple[Column, ...], int, int]:
    ref = sa.table(name, *[sa.column(c["name"]) for c in described], schema=schema)
    rows = int(conn.execute(sa.select(sa.func.count()).select_from(ref)).scalar() or 0)
    values: list[list[str]] = [[] for _ in described]
    fetched = 0
    if described and sample > 0:
        query = sa.select(*ref.columns).limit(sample)
        if keys:
            query = query.order_by(*[ref.columns[k] for k in keys if k in ref.columns])
        for row in conn.execute(query):
            fetched += 1
            for index, value in enumerate(row):
                shown = _as_text(value)
                if shown is not None:
                    values[index].append(shown)
    columns = tuple(
        Column(name=c["name"], type=_type_name(c, conn.dialect), is_text=_is_text(c),
               values=tuple(values[i]))
        for i, c in enumerate(described))
    return columns, rows, fetched
