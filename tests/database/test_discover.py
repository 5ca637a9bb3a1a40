"""``pledge discover`` against real PostgreSQL, MariaDB and SQLite databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml

from pledge.connectors.database.dsn import parse_target
from pledge.connectors.database.introspect import read_only
from pledge.policy_model.errors import InputErrors
from tests.conftest import Run, run_inprocess, run_pledge
from tests.database.conftest import (
    TEST_CARDS,
    Database,
    load_pg,
    maria_connect,
    pg_connect,
    schema_args,
)

EXPECTED = {
    "customers": {
        "email": "user.contact.email", "first_name": "user.name.first",
        "last_name": "user.name.last", "phone": "user.contact.phone_number",
        "birth_date": "user.demographic.date_of_birth",
    },
    "orders": {
        "stripe_payment_method": "user.financial.credit_card.token",
        "card_last4": "user.financial.credit_card.last_four",
        "card_brand": "user.financial.credit_card.brand",
    },
    "legacy_payments": {
        "card_number": "user.financial.credit_card.number",
        "cvv": "user.financial.credit_card.cvv",
    },
}


def run_fast(*args: str | Path, env: dict[str, str] | None = None) -> Run:
    """``pledge ARGS`` in this process (the slow start of a subprocess only where it matters)."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in (env or {}).items():
            patch.setenv(key, value)
        return run_inprocess(*args)


def proposed(fragment: str) -> dict[str, dict[str, str]]:
    """Table name (without schema) -> field -> category, from a fragment's YAML."""
    stores = yaml.safe_load(fragment)["stores"]
    return {s["name"].rsplit(".", 1)[-1]: {f["name"]: f["category"] for f in s["fields"]}
            for s in stores}


def test_discovery_proposes_the_right_categories(shop: Database) -> None:
    run = run_pledge("discover", shop.dsn, *schema_args(shop))
    assert run.code == 0, run.err
    assert proposed(run.out) == EXPECTED
    assert "# user.financial.credit_card.number: named like card number (rule card-number " \
           "matches 'card number'); 5 of 5 sampled values are card numbers" in run.out
    others = [line for line in run.out.splitlines() if "no personal data found in:" in line]
    assert len(others) == 3
    assert "customer_id (int" in others[2] and "total (" in others[2]  # orders
    assert run.err == ""  # no progress bar when standard error is not a terminal


def test_fragment_is_byte_identical_and_validates_once_merged(shop: Database,
                                                               tmp_path: Path) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    for out in (first, second):
        run = run_fast("discover", shop.dsn, *schema_args(shop), "-o", out,
                         "--system", "shop_db")
        assert run.code == 0, run.err
        assert run.out == ""
    assert first.read_bytes() == second.read_bytes()
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "inventory.yaml").write_text(
        "inventory: {name: Shop}\nsystems:\n  - {id: shop_db, name: Shop database, "
        "type: internal, role: database, country: MA}\n", encoding="utf-8")
    (inventory / "discovered.yaml").write_bytes(first.read_bytes())
    run = run_fast("validate", inventory)
    assert (run.code, run.out.strip()) == (0, f"ok: {inventory} (inventory)"), run.err


def test_values_decide_whatever_the_names_say(pg_schema: str) -> None:
    load_pg(pg_schema, [
        "CREATE TABLE payments (id INT PRIMARY KEY, card_token VARCHAR(40), notes TEXT, "
        "ref BIGINT, contact TEXT)",
        *(f"INSERT INTO payments VALUES ({i}, '{card}', 'paid by {card[:2]}', "
          f"{1000 + i}, 'user{i}@example.com')" for i, card in enumerate(TEST_CARDS, 1)),
        "INSERT INTO payments VALUES (9, NULL, '4111111111111111', 77, NULL)",
    ])
    run = run_fast("discover", "postgresql://postgres@127.0.0.1/test", "--schema", pg_schema)
    assert run.code == 0, run.err
    assert proposed(run.out) == {"payments": {
        "card_token": "user.financial.credit_card.number",  # tokens by name, cards by value
        "notes": "user.financial.credit_card.number",  # one card number among notes
        "contact": "user.contact.email",
    }}
    assert "5 of 5 sampled values are card numbers; whatever the name says (named like " \
           "card token" in run.out
    assert "1 of 6 sampled values are card numbers" in run.out


def test_sample_is_bounded_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE visits (id INTEGER PRIMARY KEY, ip_address TEXT)")
        conn.executemany("INSERT INTO visits VALUES (?, ?)",
                         [(i, f"10.0.{i // 256}.{i % 256}") for i in range(500)])
    conn.close()
    run = run_fast("discover", path, "--sample", "7")
    assert run.code == 0, run.err
    assert "    # 500 rows, 7 sampled\n" in run.out
    assert proposed(run.out) == {"visits": {"ip_address": "user.device.ip_address"}}


def test_each_engine_reads_in_a_read_only_transaction(shop: Database) -> None:
    target = parse_target(shop.dsn)
    table = f'"{shop.schema}".customers' if shop.schema else "customers"
    with pytest.raises(InputErrors) as caught, read_only(target, 5) as conn:
        conn.exec_driver_sql(f"DELETE FROM {table}")
    assert caught.value.errors[0].code == "PLG-E022"
    with read_only(target, 5) as conn:
        assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 5


@pytest.mark.parametrize(("engine", "slow"), [
    ("postgresql", "SELECT pg_sleep(3)"),
    ("mariadb", "SELECT SLEEP(3) FROM DUAL WHERE 1 = (SELECT 1 FROM DUAL WHERE SLEEP(3) = 0)"),
    ("sqlite", "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
               "WHERE i < 100000000) SELECT count(*) FROM n"),
])
def test_a_statement_past_the_timeout_stops(engine: str, slow: str, tmp_path: Path,
                                           maria_database: str) -> None:
    dsn = {"postgresql": "postgresql://postgres@127.0.0.1/test",
           "mariadb": f"mysql://root@127.0.0.1/{maria_database}",
           "sqlite": str(tmp_path / "empty.db")}[engine]
    if engine == "sqlite":
        sqlite3.connect(dsn).close()
    with pytest.raises(InputErrors) as caught, read_only(parse_target(dsn), 0.5) as conn:
        conn.exec_driver_sql(slow).all()
    [error] = caught.value.errors
    assert error.code == "PLG-E022"
    assert "did not answer within 0.5 s" in error.message


def one_line_error(run_args: list[str], code: str, *, subprocess: bool = False) -> str:
    run = run_pledge(*run_args) if subprocess else run_fast(*run_args)
    assert run.code == 2, (run.out, run.err)
    assert run.out == ""
    lines = run.err.splitlines()
    assert len(lines) == 1 and code in lines[0] and "Traceback" not in run.err, run.err
    return lines[0]


def test_unreachable_server_is_one_line() -> None:
    line = one_line_error(["discover", "postgresql://postgres@127.0.0.1:1/test"], "PLG-E022",
                          subprocess=True)
    assert line == ("pledge: postgresql://***@127.0.0.1:1/test: PLG-E022 cannot reach the "
                    "database server (connection refused) (check the host and port, and that "
                    "the server runs)")


def test_bad_credentials_are_one_line(maria_database: str) -> None:
    user, secret = maria_database, "Wr0ng-" + maria_database[-6:]
    line = one_line_error(["discover", f"mysql://{user}:{secret}@127.0.0.1/{maria_database}"],
                          "PLG-E023")
    assert secret not in line
    line = one_line_error(["discover", "postgresql://nobody_at_all@127.0.0.1/test"],
                          "PLG-E023")
    assert "refused the user or password" in line


def test_missing_database_and_file_and_scheme(tmp_path: Path) -> None:
    one_line_error(["discover", "postgresql://postgres@127.0.0.1/no_such_db_here"], "PLG-E022")
    one_line_error(["discover", tmp_path / "nope.db"], "PLG-E001")
    one_line_error(["discover", "oracle://scott@127.0.0.1/orcl"], "PLG-E019")


@pytest.mark.parametrize(("module", "dsn"), [
    ("sqlalchemy", "postgresql://postgres@127.0.0.1/test"),
    ("psycopg", "postgresql://postgres@127.0.0.1/test"),
    ("pymysql", "mysql://root@127.0.0.1/test"),
])
def test_a_missing_driver_names_the_extra(module: str, dsn: str) -> None:
    import subprocess
    import sys

    code = (f"import sys; sys.modules[{module!r}] = None\n"
            f"from pledge.cli import main\nmain(['discover', {dsn!r}])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert "PLG-E024" in line and "pip install 'pledge[db]'" in line, line


def test_allow_host_on_the_command_line_is_enforced(pg_shop: Database) -> None:
    line = one_line_error(["discover", pg_shop.dsn, "--allow-host", "db.internal"], "PLG-E025")
    assert "host '127.0.0.1' is not on the allow-list" in line
    run = run_fast("discover", pg_shop.dsn, "--schema", pg_shop.schema,
                     "--allow-host", "127.0.0.1")
    assert run.code == 0, run.err


def test_password_from_the_environment_reaches_mariadb(maria_shop: Database) -> None:
    name = maria_shop.dsn.rsplit("/", 1)[-1]
    secret = "Pw-" + name[-8:] + "-x"
    with maria_connect() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE USER '{name}'@'%' IDENTIFIED BY '{secret}'")
        cur.execute(f"CREATE USER '{name}'@'localhost' IDENTIFIED BY '{secret}'")
        cur.execute(f"GRANT SELECT ON `{name}`.* TO '{name}'@'%', '{name}'@'localhost'")
    try:
        dsn = f"mysql://{name}@127.0.0.1/{name}"
        one_line_error(["discover", dsn], "PLG-E023")  # no password: refused
        run = run_fast("discover", dsn, env={"PLEDGE_DB_PASSWORD": secret})
        assert run.code == 0, run.err
        assert proposed(run.out) == EXPECTED
        assert secret not in run.out + run.err
    finally:
        with maria_connect() as conn, conn.cursor() as cur:
            cur.execute(f"DROP USER '{name}'@'%', '{name}'@'localhost'")


def test_postgresql_role_reads_through_its_grants(pg_shop: Database) -> None:
    role = pg_shop.schema
    with pg_connect() as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'x-{role}'")
        conn.execute(f"GRANT USAGE ON SCHEMA {role} TO {role}")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {role} TO {role}")
    try:
        run = run_fast("discover", f"postgresql://{role}@127.0.0.1/test", "--schema", role)
        assert run.code == 0, run.err
        assert proposed(run.out) == EXPECTED
    finally:
        with pg_connect() as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_progress_bar_only_on_a_terminal(sqlite_shop: Database) -> None:
    import os
    import pty
    import subprocess
    import sys

    main, follower = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "pledge", "discover", sqlite_shop.dsn],
                              stdout=subprocess.PIPE, stderr=follower, timeout=60, check=False)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main)
    assert proc.returncode == 0
    assert b"pledge: reading sqlite:///" in shown and b"100%" in shown
    assert proc.stdout.startswith(b"# Discovered from sqlite:///")  # the fragment is untouched
