"""Real databases for discovery tests: a PostgreSQL schema, a MariaDB database, a SQLite file.

Each test gets its own uniquely named schema (PostgreSQL, in database ``test``)
or database (MariaDB), created before and dropped after, so parallel runs do
not collide. The servers are the machine's own on loopback (PostgreSQL 5432
with trust auth, MariaDB 3306 as root without a password); ``.ci/run`` starts
them. The shop they hold: customers, orders with processor tokens and last
four digits, and a legacy table of full test card numbers with security codes.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg", reason="the db extra is installed by .ci/run")
pymysql = pytest.importorskip("pymysql", reason="the db extra is installed by .ci/run")

PG = {"host": "127.0.0.1", "port": 5432, "dbname": "test", "user": "postgres"}
MARIA = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
TEST_CARDS = ("4242424242424242", "5555555555554444", "378282246310005", "6011111111111117",
              "4000056655665556")
"""The processors' published test card numbers: real format, Luhn-valid, never charged."""

SHOP_SQL = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    email VARCHAR(120) NOT NULL,
    first_name VARCHAR(60),
    last_name VARCHAR(60),
    phone VARCHAR(30),
    birth_date DATE,
    created_at TIMESTAMP
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    stripe_payment_method VARCHAR(40),
    card_last4 CHAR(4),
    card_brand VARCHAR(20),
    total NUMERIC(10, 2)
);
CREATE TABLE legacy_payments (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER,
    card_number VARCHAR(19),
    cvv VARCHAR(4),
    paid_at TIMESTAMP
);
"""


def shop_rows() -> list[str]:
    """INSERT statements for the shop (the same on every engine)."""
    rows = []
    people = [("ann@example.com", "Ann", "Lee", "+33 6 12 34 56 78", "1990-04-01"),
              ("bob@example.org", "Bob", "Roy", "+212 6 61 23 45 67", "1985-11-23"),
              ("chloe@example.net", "Chloé", "Petit", "+49 30 1234567", "2001-02-14"),
              ("dan@example.com", "Dan", "Ng", "+1 (415) 555-0100", "1979-07-30"),
              ("eve@example.com", "Eve", "Haddad", "+34 612 345 678", "1995-12-31")]
    for i, (email, first, last, phone, born) in enumerate(people, 1):
        rows.append(f"INSERT INTO customers VALUES ({i}, '{email}', '{first}', '{last}', "
                    f"'{phone}', '{born}', '2026-01-0{i} 10:00:00')")
    for i, card in enumerate(TEST_CARDS, 1):
        brand = "amex" if card.startswith("3") else "visa" if card.startswith("4") else "mc"
        rows.append(f"INSERT INTO orders VALUES ({i}, {i}, 'pm_1Q{i}x{secrets.token_hex(4)}', "
                    f"'{card[-4:]}', '{brand}', {i}9.90)")
        spaced = " ".join(card[j:j + 4] for j in range(0, len(card), 4)) if i % 2 else card
        rows.append(f"INSERT INTO legacy_payments VALUES ({i}, {i}, '{spaced}', '{100 + i}', "
                    f"'2019-05-0{i} 12:00:00')")
    return rows


def statements(sql: str) -> list[str]:
    """The statements of a SQL text (split on ';' at line ends; comments dropped)."""
    kept = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in kept.split(";\n") if s.strip().strip(";")]


def unique(prefix: str = "pledge_t") -> str:
    """A name no other run uses."""
    return f"{prefix}_{secrets.token_hex(5)}"


@dataclass
class Database:
    """A prepared database: the DSN to give pledge, and the schema to name."""

    dsn: str
    schema: str | None
    engine: str


def pg_connect(**extra: object) -> psycopg.Connection:
    """An autocommit connection to the test PostgreSQL."""
    return psycopg.connect(**{**PG, **extra}, autocommit=True, connect_timeout=10)


def maria_connect(**extra: object) -> pymysql.connections.Connection:
    """An autocommit connection to the test MariaDB."""
    return pymysql.connect(**{**MARIA, **extra}, autocommit=True, connect_timeout=10)


def load_pg(schema: str, sql: str | list[str]) -> None:
    """Run statements in ``schema`` of the PostgreSQL test database."""
    with pg_connect() as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        for statement in statements(sql) if isinstance(sql, str) else sql:
            conn.execute(statement)


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema, dropped after the test."""
    name = unique()
    with pg_connect() as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        with pg_connect() as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture
def pg_shop(pg_schema: str) -> Database:
    """The shop in PostgreSQL."""
    load_pg(pg_schema, statements(SHOP_SQL) + shop_rows())
    return Database("postgresql://postgres@127.0.0.1:5432/test", pg_schema, "postgresql")


@pytest.fixture
def maria_database() -> Iterator[str]:
    """A fresh, empty MariaDB database, dropped after the test."""
    name = unique()
    with maria_connect() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
    try:
        yield name
    finally:
        with maria_connect() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE `{name}`")


@pytest.fixture
def maria_shop(maria_database: str) -> Database:
    """The shop in MariaDB."""
    with maria_connect(database=maria_database) as conn, conn.cursor() as cur:
        for statement in statements(SHOP_SQL) + shop_rows():
            cur.execute(statement)
    return Database(f"mysql://root@127.0.0.1:3306/{maria_database}", None, "mariadb")


@pytest.fixture
def sqlite_shop(tmp_path: Path) -> Database:
    """The shop in a SQLite file."""
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        for statement in statements(SHOP_SQL) + shop_rows():
            conn.execute(statement)
    conn.close()
    return Database(str(path), None, "sqlite")


@pytest.fixture(params=["postgresql", "mariadb", "sqlite"])
def shop(request: pytest.FixtureRequest) -> Database:
    """The shop on each engine in turn."""
    fixture = {"postgresql": "pg_shop", "mariadb": "maria_shop", "sqlite": "sqlite_shop"}
    return request.getfixturevalue(fixture[request.param])  # type: ignore[no-any-return]


def schema_args(db: Database) -> list[str]:
    """``--schema S`` when the database needs one."""
    return ["--schema", db.schema] if db.schema else []
