"""No output of discovery or of a discovering check holds a full card number or the password.

Every output a user could see is collected (standard output and error of each
run, every file written, every report format) and scanned for each full test
card number, written plainly and with spaces, and for the database password.
"""

from __future__ import annotations

import re
from pathlib import Path

from pledge.reports.formats import RENDERERS
from tests.conftest import AS_OF, run_pledge
from tests.database.conftest import TEST_CARDS, Database, maria_connect, pg_connect
from tests.database.test_check_discover import shop_inventory
from tests.database.test_discover import run_fast


def leaks(text: str, secret: str) -> list[str]:
    """What of the card numbers and the secret ``text`` holds."""
    squeezed = re.sub(r"[ \-]", "", text)
    found = [card for card in TEST_CARDS if card in squeezed]
    return found + (["password"] if secret in text else [])


def test_nothing_leaks_from_postgresql(pg_shop: Database, tmp_path: Path) -> None:
    role, secret = pg_shop.schema, f"S3cret-{pg_shop.schema[-6:]}-pw"
    with pg_connect() as conn:  # a real password-protected role (the server trusts loopback)
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{secret}'")
        conn.execute(f"GRANT USAGE ON SCHEMA {role} TO {role}")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {role} TO {role}")
    dsn = f"postgresql://{role}:{secret}@127.0.0.1:5432/test"
    outputs: list[str] = []
    try:
        fragment = tmp_path / "fragment.yaml"
        runs = [run_pledge("discover", dsn, "--schema", role, "-o", fragment),
                run_fast("discover", dsn, "--schema", role)]
        root = shop_inventory(tmp_path, pg_shop)
        reports = []
        for fmt in sorted(RENDERERS):
            reports.append(tmp_path / f"report.{fmt}")
            runs.append(run_fast("check", root, "--discover", dsn, "--schema", role,
                                 "--as-of", AS_OF, "-f", fmt, "-o", reports[-1]))
        runs.append(run_fast("check", root, "--discover", "--allow-host", "127.0.0.1",
                             "--as-of", AS_OF, "-f", "text", "-v"))
        runs.append(run_fast("discover", dsn.replace("127.0.0.1:5432", "127.0.0.1:1")))
        assert [r.code for r in runs] == [0, 0, *[1] * len(RENDERERS), 1, 2], [
            r.err for r in runs]
        outputs += [r.out + r.err for r in runs]
        outputs += [p.read_text(encoding="utf-8") for p in (fragment, *reports)]
        last_four = (tmp_path / "report.json").read_text(encoding="utf-8")
    finally:
        with pg_connect() as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
    assert "legacy_payments" in outputs[1] and '"4242"' in last_four  # the outputs are real
    for text in outputs:
        assert leaks(text, secret) == []


def test_nothing_leaks_from_mariadb(maria_shop: Database, tmp_path: Path) -> None:
    name = maria_shop.dsn.rsplit("/", 1)[-1]
    secret = f"Maria-{name[-7:]}-pw"
    with maria_connect() as conn, conn.cursor() as cur:
        for host in ("%", "localhost"):
            cur.execute(f"CREATE USER '{name}'@'{host}' IDENTIFIED BY '{secret}'")
            cur.execute(f"GRANT SELECT ON `{name}`.* TO '{name}'@'{host}'")
    try:
        dsn = f"mysql://{name}:{secret}@127.0.0.1:3306/{name}"
        fragment = tmp_path / "fragment.yaml"
        runs = [run_fast("discover", dsn, "-o", fragment), run_fast("discover", dsn),
                run_fast("discover", dsn.replace(secret, secret + "x")),
                run_fast("check", "--discover", dsn, "--as-of", AS_OF, "-f", "json")]
        assert [r.code for r in runs] == [0, 0, 2, 1], [r.err for r in runs]
        outputs = [r.out + r.err for r in runs] + [fragment.read_text(encoding="utf-8")]
    finally:
        with maria_connect() as conn, conn.cursor() as cur:
            cur.execute(f"DROP USER '{name}'@'%', '{name}'@'localhost'")
    assert "PLG-E023" in outputs[2]
    for text in outputs:
        assert leaks(text, secret) == []
