"""Database targets: a DSN or a SQLite path, where it points, and whether pledge may go there.

A target is shown without its password everywhere (:attr:`Target.shown`), gets
its password from the environment when the DSN has none, and is only opened
when its host is on the allow-list (a DSN typed on the command line allows its
own host; a connection read from an inventory never does).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.redact import redact

PASSWORD_ENV = "PLEDGE_DB_PASSWORD"
"""The environment variable holding the database password (per store: ``_<STORE_ID>``)."""
EXTRA_HINT = "pip install 'pledge[db]'"

# backend -> (SQLAlchemy driver pledge uses, the module it imports, shown name)
_DRIVERS = {
    "postgresql": ("psycopg", "psycopg", "PostgreSQL"),
    "mysql": ("pymysql", "pymysql", "MySQL"),
    "mariadb": ("pymysql", "pymysql", "MariaDB"),
    "sqlite": ("pysqlite", "sqlite3", "SQLite"),
}
_ALIASES = {"postgres": "postgresql", "pgsql": "postgresql", "sqlite3": "sqlite"}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def _error(code: str, message: str, hint: str | None = None) -> InputErrors:
    return InputErrors([InputError(code, message, None, None, hint)])


def require_sqlalchemy() -> Any:
    """The ``sqlalchemy`` module, or a one-line error naming the extra that installs it."""
    try:
        return importlib.import_module("sqlalchemy")
    except ImportError:
        raise _error("PLG-E024", "database discovery needs SQLAlchemy, which is not "
                     "installed", EXTRA_HINT) from None


@dataclass(frozen=True)
class Target:
    """One database to discover: its SQLAlchemy URL (password kept private) and its face."""

    url: Any  # sqlalchemy.engine.URL
    backend: str
    """postgresql, mysql, mariadb or sqlite."""
    shown: str
    """The DSN without password, query or fragment: safe to print and to write."""
    host: str
    """The host name the allow-list is checked against (a SQLite file: its resolved path)."""
    table: str | None = None
    """A ``#schema.table`` fragment: the one table an inventory store describes."""

    @property
    def label(self) -> str:
        """The backend's display name (PostgreSQL, MariaDB ...)."""
        return _DRIVERS[self.backend][2]


def parse_target(text: str, *, password: str | None = None, base: Path | None = None,
                 from_inventory: bool = False) -> Target:
    """Read a DSN (``postgresql://user@host/db``) or a SQLite file path.

    ``password`` (from the environment) is used when the DSN has none. A DSN from an
    inventory (``from_inventory``) may not hold a password; a relative SQLite path in
    one is resolved against ``base`` (the inventory's directory).
    """
    sa = require_sqlalchemy()
    text = text.strip()
    fragment = None
    if "#" in text:
        text, fragment = text.split("#", 1)
    if not _SCHEME.match(text):  # a file path: SQLite
        path = Path(text)
        if base is not None and not path.is_absolute():
            path = base / path
        if not path.is_file():
            raise InputErrors([InputError("PLG-E001", "no such SQLite database file",
                                          redact(str(path)), None,
                                          "give a file path or a DSN such as "
                                          "postgresql://user@host/db")])
        text = f"sqlite:///{path}"
    try:
        url = sa.make_url(text)
    except Exception:
        raise _error("PLG-E019", f"'{redact(text)}' is not a database URL",
                     "write postgresql://user@host:5432/db, mysql://user@host/db or a "
                     "SQLite file path") from None
    backend = _ALIASES.get(url.get_backend_name(), url.get_backend_name())
    if backend not in _DRIVERS:
        raise _error("PLG-E019", f"pledge cannot discover '{backend}' databases",
                     "use PostgreSQL, MySQL/MariaDB or SQLite")
    if from_inventory and url.password:
        raise _error("PLG-E025", f"the inventory's connection {_shown(url, backend)} holds a "
                     "password", f"remove it and set {PASSWORD_ENV} in the environment")
    driver, module, label = _DRIVERS[backend]
    wanted = url.get_driver_name() if "+" in url.drivername else driver
    if wanted != driver and backend != "sqlite":
        _import_driver(wanted, label)
    else:
        _import_driver(module, label)
        wanted = driver
    url = url.set(drivername=f"{backend}+{wanted}")
    if password and not url.password and backend != "sqlite":
        url = url.set(password=password)
    if backend == "sqlite":
        host = str(Path(url.database or "").resolve()) if url.database else ":memory:"
    else:
        host = (url.host or "localhost").lower()
    return Target(url=url, backend=backend, shown=_shown(url, backend), host=host,
                  table=fragment or None)


def _import_driver(module: str, label: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError:
        raise _error("PLG-E024", f"the {label} driver '{module}' is not installed",
                     EXTRA_HINT if module in ("psycopg", "pymysql") else
                     f"pip install '{module}', or use pledge's driver: {EXTRA_HINT}") from None


def _shown(url: Any, backend: str) -> str:
    """``scheme://user@host:port/database`` with no password, query or fragment."""
    if backend == "sqlite":
        return redact(f"sqlite:///{url.database or ''}")
    user = f"{url.username}@" if url.username else ""
    host = url.host or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = f":{url.port}" if url.port else ""
    database = f"/{url.database}" if url.database else ""
    return redact(f"{backend}://{user}{host}{port}{database}")


def store_password(store_id: str) -> str | None:
    """A store's password: ``PLEDGE_DB_PASSWORD_<STORE_ID>``, else ``PLEDGE_DB_PASSWORD``."""
    own = PASSWORD_ENV + "_" + re.sub(r"[^A-Za-z0-9]", "_", store_id).upper()
    return os.environ.get(own) or os.environ.get(PASSWORD_ENV)


def check_allowed(target: Target, allowed: Iterable[str]) -> None:
    """Refuse a target whose host is not on the allow-list (``host`` or ``host:port``)."""
    names = {a.strip().lower() for a in allowed if a.strip()}
    if target.backend == "sqlite":
        names = {str(Path(a).resolve()) for a in allowed if a.strip()} | names
        if target.host in names:
            return
    elif target.host in names or f"{target.host}:{target.url.port}" in names:
        return
    shown = target.host if target.backend != "sqlite" else redact(target.host)
    raise InputErrors([InputError("PLG-E025", f"host '{shown}' is not on the allow-list",
                                  target.shown, None,
                                  f"pass --allow-host {shown} to let pledge connect to it")])
