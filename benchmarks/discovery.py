"""Time ``pledge discover`` on a 200-table, 1-million-row PostgreSQL database; show its bound.

The database is built in a schema of its own in the local test server
(127.0.0.1:5432, database ``test``) with ``generate_series``: 200 tables of
5,000 rows each (an id key, an email, a name, a phone, a timestamp, an amount,
a free-text note; every 50th table also a column of full test card numbers).
Discovery then runs in this process (as ``pledge discover`` does) at each
``--sample``, and the script prints, per run: seconds, the rows discovery fetched
(at most 200 x sample, whatever the tables hold), the tables and the card-number
columns found. The schema is dropped at the end, even on failure.

Usage::

    .venv/bin/python benchmarks/discovery.py                  # 200 tables x 5,000 rows
    .venv/bin/python benchmarks/discovery.py --samples 100,1000 --repeat 3
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time

import psycopg

from pledge.connectors.database import discover, parse_target
from pledge.policy_model.label_rules import LabelRules

DSN = "postgresql://postgres@127.0.0.1:5432/test"
CARDS = "ARRAY['4242424242424242','5555555555554444','378282246310005','6011111111111117']"


def build(schema: str, tables: int, rows: int) -> float:
    """Create the schema and its tables; return the seconds it took."""
    started = time.perf_counter()
    with psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        for n in range(tables):
            card = (f", ({CARDS})[1 + g % 4] AS card_number" if n % 50 == 0 else "")
            conn.execute(
                f'CREATE TABLE "{schema}".t{n:03d} AS SELECT g AS id, '
                f"'user' || g || '@example.com' AS email, 'Name ' || g AS full_name, "
                f"'+33 6 ' || lpad((g % 100000000)::text, 8, '0') AS phone, "
                f"timestamp '2026-01-01' + g * interval '1 minute' AS created_at, "
                f"(g % 1000) / 10.0 AS amount, md5(g::text) AS note{card} "
                f"FROM generate_series(1, {rows}) AS g")
            conn.execute(f'ALTER TABLE "{schema}".t{n:03d} ADD PRIMARY KEY (id)')
    return time.perf_counter() - started


def drop(schema: str) -> None:
    """Drop the benchmark schema."""
    with psycopg.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def measure(schema: str, sample: int, repeat: int) -> dict[str, float | int]:
    """Discover the schema ``repeat`` times; the median time and what the runs read."""
    rules = LabelRules.load()
    target = parse_target(DSN)
    times, found = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        found = discover(target, rules, sample=sample, timeout=60, schema=schema)
        times.append(time.perf_counter() - started)
    assert found is not None
    cards = sum(1 for table in found.verdicts for v in table
                if v.category == "user.financial.credit_card.number")
    return {"sample": sample, "seconds": statistics.median(times),
            "tables": len(found.snapshot.tables),
            "rows": sum(t.rows for t in found.snapshot.tables),
            "rows_read": found.snapshot.rows_read, "bound": sample * len(found.snapshot.tables),
            "card_columns": cards}


def main(argv: list[str] | None = None) -> int:
    """Build, measure, print a Markdown table, drop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--rows", type=int, default=5000, help="rows per table")
    parser.add_argument("--samples", default="100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    schema = f"pledge_bench_{secrets.token_hex(4)}"
    try:
        built = build(schema, args.tables, args.rows)
        print(f"built {args.tables} tables x {args.rows:,} rows in {built:.1f} s "
              f"(schema {schema})", file=sys.stderr)
        print("| --sample | tables | rows in tables | rows read | bound (tables x sample) "
              "| card-number columns | seconds (median) |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for sample in (int(s) for s in args.samples.split(",")):
            r = measure(schema, sample, args.repeat)
            assert r["rows_read"] <= r["bound"], r
            print(f"| {r['sample']:,} | {r['tables']} | {r['rows']:,} | {r['rows_read']:,} | "
                  f"{r['bound']:,} | {r['card_columns']} | {r['seconds']:.2f} |")
    finally:
        drop(schema)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
