#!/usr/bin/env python3
"""The report questions of `scripts/bench reports`, answered by pandas or DuckDB over smtq's SQLite file, the way
a data engineer would point either at it. Prints the answer in the sqlite3 shell's list format (one row a line,
fields joined by "|", sorted), so the benchmark compares it row for row with the shell's; the seconds spent inside
this process on the question (reading included, interpreter start and imports excluded) go to stderr.

  yield:  per station and hour of each serial's first result there: units, first-pass units
          (station_id|hour|units|first_pass); two results of one serial at the same first instant would count
          twice in the SQL's join and once here (smtq never stores such a pair from one device)
  pchart: AOI-1's results per hour: tested, failed (hour|tested|failed)

DuckDB reads the SQLite file through its sqlite extension (PyPI's duckdb-extension-sqlite, loaded from the venv),
not from a native copy.
"""
import argparse
import os
import sqlite3
import sys
import time

HOUR = 3_600_000_000  # smtq stores times in microseconds since the epoch


def pandas_answer(question, path):
    import pandas as pd

    start = time.perf_counter()
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    if question == "yield":
        frame = pd.read_sql_query("SELECT station_id, serial, time, result FROM units", connection)
        firsts = frame.sort_values("time", kind="stable").drop_duplicates(["station_id", "serial"], keep="first")
        firsts = firsts.assign(hour=firsts["time"] // HOUR, first_pass=(firsts["result"] == 0).astype("int64"))
        answer = firsts.groupby(["station_id", "hour"]).agg(units=("first_pass", "size"), first_pass=("first_pass", "sum"))
    else:
        station = connection.execute("SELECT id FROM stations WHERE name = 'AOI-1'").fetchone()[0]
        frame = pd.read_sql_query("SELECT time, result FROM units WHERE station_id = ?", connection, params=(station,))
        frame = frame.assign(hour=frame["time"] // HOUR)
        answer = frame.groupby("hour").agg(tested=("result", "size"), failed=("result", "sum"))
    rows = [tuple(int(v) for v in (index if isinstance(index, tuple) else (index,))) + tuple(int(v) for v in values)
            for index, values in zip(answer.index, answer.itertuples(index=False))]
    return sorted(rows), time.perf_counter() - start


def duckdb_answer(question, path, extension):
    import duckdb

    start = time.perf_counter()
    connection = duckdb.connect()
    connection.execute("LOAD '" + extension.replace("'", "''") + "'")
    quoted = path.replace("'", "''")  # ATTACH takes no bound parameter
    connection.execute(f"ATTACH '{quoted}' AS store (TYPE sqlite, READ_ONLY)")
    if question == "yield":
        sql = f"""
            SELECT station_id, t // {HOUR} AS hour, count(*), sum(CASE WHEN r = 0 THEN 1 ELSE 0 END)
            FROM (SELECT station_id, serial, min(time) AS t, arg_min(result, time) AS r
                  FROM store.units GROUP BY station_id, serial)
            GROUP BY 1, 2 ORDER BY 1, 2"""
        rows = connection.execute(sql).fetchall()
    else:
        sql = f"""
            SELECT time // {HOUR} AS hour, count(*), sum(result) FROM store.units
            WHERE station_id = (SELECT id FROM store.stations WHERE name = 'AOI-1')
            GROUP BY 1 ORDER BY 1"""
        rows = connection.execute(sql).fetchall()
    return [tuple(int(v) for v in row) for row in rows], time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("engine", choices=["pandas", "duckdb"])
    parser.add_argument("question", choices=["yield", "pchart"])
    parser.add_argument("db")
    parser.add_argument("--extension", default=os.path.join(sys.prefix, "duckdb-extensions", "sqlite_scanner.duckdb_extension"),
                        help="DuckDB's sqlite extension (scripts/bootstrap --bench puts it here)")
    arguments = parser.parse_args()
    if not os.path.isfile(arguments.db):
        sys.exit(f"report_peer: no database at {arguments.db}")
    if arguments.engine == "pandas":
        rows, seconds = pandas_answer(arguments.question, arguments.db)
    else:
        if not os.path.isfile(arguments.extension):
            sys.exit(f"report_peer: DuckDB's sqlite extension is missing at {arguments.extension}; run scripts/bootstrap --bench")
        rows, seconds = duckdb_answer(arguments.question, arguments.db, arguments.extension)
    sys.stdout.write("".join("|".join(str(v) for v in row) + "\n" for row in rows))
    sys.stderr.write(f"in-process seconds: {seconds:.3f}\n")


if __name__ == "__main__":
    main()
