"""PostgreSQL-specific behaviour: URLs and passwords, connection errors, the schema option,
the advisory lock, the COPY path, and identical rows to DuckDB on the same input.

The shared end-to-end and invariant suite runs on PostgreSQL through conftest's
``target_url``; this module uses conftest's ``pg_url`` (a fresh database per test).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

psycopg = pytest.importorskip("psycopg")

from sparkify.config import load_settings  # noqa: E402
from sparkify.errors import BusyError, ConfigError, ExitCode, TargetError  # noqa: E402
from sparkify.generate import generate  # noqa: E402
from sparkify.pipeline.run import create_tables, etl, run  # noqa: E402
from sparkify.schema.model import ALL_TABLES, RUNS, STAR_TABLES  # noqa: E402
from sparkify.sources import open_source  # noqa: E402
from sparkify.targets import open_target  # noqa: E402
from sparkify.targets.postgres.connect import connect_error, mask_url  # noqa: E402
from sparkify.targets.postgres.target import PostgresTarget, lock_key  # noqa: E402
from tests.helpers import (  # noqa: E402
    event,
    rows,
    snapshot,
    song,
    source_link,
    write_log,
    write_song,
)

EVERY_TABLE = [
    "staging_events",
    "staging_songs",
    "songplays",
    "users",
    "songs",
    "artists",
    "time",
    "load_errors",
    "sparkify_manifest",
    "sparkify_source",
]


class Notes:
    """A Reporter that keeps the notes."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def start(self, task: str, total: float | None = None, unit: str = "") -> None:
        return None

    def advance(self, task: str, amount: float = 1) -> None:
        return None

    def finish(self, task: str) -> None:
        return None

    def note(self, message: str) -> None:
        self.notes.append(message)


def _target(url: str, **settings: Any) -> PostgresTarget:
    target = open_target(load_settings(overrides={"target": url, **settings}))
    assert isinstance(target, PostgresTarget)
    return target


def _load(source: Path, url: str, *, full_refresh: bool = False, **settings: Any) -> None:
    s = load_settings(overrides={"source": str(source), "target": url, **settings})
    with open_target(s) as target:
        assert run(open_source(s), target, s, full_refresh=full_refresh).checks.ok


def _server(pg_url: str, database: str) -> str:
    parts = urlsplit(pg_url)
    return f"{parts.scheme}://{parts.netloc}/{database}"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# -- URLs and connection errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://alice:s3cret@db.example:5432/dw", "postgresql://alice:***@db.example:5432/dw"),
        ("postgres://bob@h/dw?password=x%40y&sslmode=require", "postgres://bob@h/dw?password=***&sslmode=require"),
        ("postgresql://carol@h:5433/dw", "postgresql://carol@h:5433/dw"),
    ],
)  # fmt: skip
def test_describe_masks_the_password(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert PostgresTarget(url).describe() == shown


def test_connection_refused_is_one_clear_line_without_the_password() -> None:
    port = _closed_port()
    target = PostgresTarget(f"postgresql://postgres:hunter2@127.0.0.1:{port}/dw")
    with pytest.raises(TargetError) as info:
        target.connect()
    assert (
        info.value.message
        == f"Cannot connect to PostgreSQL at 127.0.0.1:{port}: connection refused."
    )
    assert info.value.hint == (
        "Is the server running and accepting TCP/IP connections on that port? "
        "Check host and port in --target."
    )
    assert info.value.exit_code is ExitCode.TARGET
    assert "hunter2" not in str(info.value)


def test_unknown_host() -> None:
    with pytest.raises(TargetError) as info:
        PostgresTarget("postgresql://postgres@no-such-host.invalid:5432/dw").connect()
    assert (
        info.value.message == "Cannot connect to PostgreSQL: unknown host 'no-such-host.invalid'."
    )
    assert info.value.hint == "Check the host name in --target."


def test_missing_database_suggests_createdb(pg_url: str) -> None:
    url = _server(pg_url, "sparkify_no_such_db")
    host, port = urlsplit(url).hostname, urlsplit(url).port or 5432
    with pytest.raises(TargetError) as info:
        PostgresTarget(url).connect()
    assert info.value.message == (
        f"Database 'sparkify_no_such_db' does not exist on the PostgreSQL server {host}:{port}."
    )
    assert info.value.hint == (
        f"Create it with `createdb -h {host} -p {port} -U postgres sparkify_no_such_db`, "
        "or fix the database name in --target."
    )
    assert info.value.exit_code is ExitCode.TARGET


def test_unknown_user(pg_url: str) -> None:
    parts = urlsplit(pg_url)
    url = f"postgresql://sparkify_nobody@{parts.hostname}:{parts.port or 5432}{parts.path}"
    with pytest.raises(TargetError) as info:
        PostgresTarget(url).connect()
    assert info.value.message == (
        f"PostgreSQL user 'sparkify_nobody' does not exist on {parts.hostname}:{parts.port or 5432}."
    )


def _password_server(received: list[bytes]) -> int:
    """A socket that answers one PostgreSQL startup with a password request, records the
    password libpq sends, and refuses it as a real server does (SQLSTATE 28P01)."""
    srv = socket.create_server(("127.0.0.1", 0))

    def recv(conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n and (chunk := conn.recv(n - len(data))):
            data += chunk
        return data

    def serve() -> None:
        conn, _ = srv.accept()
        with conn, srv:
            (size,) = struct.unpack("!I", recv(conn, 4))
            recv(conn, size - 4)
            conn.sendall(b"R" + struct.pack("!II", 8, 3))  # AuthenticationCleartextPassword
            head = recv(conn, 5)
            if len(head) < 5:
                return
            received.append(recv(conn, struct.unpack("!I", head[1:])[0] - 4).rstrip(b"\0"))
            body = b'SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "alice"\0\0'
            conn.sendall(b"E" + struct.pack("!I", len(body) + 4) + body)

    threading.Thread(target=serve, daemon=True).start()
    port: int = srv.getsockname()[1]
    return port


@pytest.mark.parametrize("source", ["none", "PGPASSWORD", "pgpass"])
def test_password_sources_and_auth_failure(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[bytes] = []
    port = _password_server(received)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{port}:warehouse:alice:from-pgpass\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass if source == "pgpass" else tmp_path / "none"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    if source == "PGPASSWORD":
        monkeypatch.setenv("PGPASSWORD", "from-env")
    url = f"postgresql://alice@127.0.0.1:{port}/warehouse?sslmode=disable&gssencmode=disable"
    with pytest.raises(TargetError) as info:
        PostgresTarget(url).connect()
    assert info.value.message == (
        f"PostgreSQL refused the login of user 'alice' to 127.0.0.1:{port}/warehouse: "
        "authentication failed."
    )
    assert info.value.hint == (
        "Set PGPASSWORD or add host:port:database:user:password to ~/.pgpass "
        "(never in sparkify.toml)."
    )
    expected = {"none": [], "PGPASSWORD": [b"from-env"], "pgpass": [b"from-pgpass"]}
    assert received == expected[source]


@pytest.mark.parametrize(
    ("driver_text", "message"),
    [
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: timeout expired',
         "Cannot connect to PostgreSQL at 10.0.0.5:5432: no answer (timed out)."),
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  no '
         'pg_hba.conf entry for host "10.0.0.9", user "u", database "dw", no encryption',
         "PostgreSQL at 10.0.0.5:5432 does not accept user 'u' for database 'dw' from this "
         "machine (pg_hba.conf)."),
    ],
)  # fmt: skip
def test_other_connection_failures(driver_text: str, message: str) -> None:
    error = connect_error(RuntimeError(driver_text), "postgresql://u@10.0.0.5/dw")
    assert error.message == message


# -- schema option ---------------------------------------------------------------------------


def test_schema_option_keeps_tables_in_that_schema(pg_url: str, sample: Path) -> None:
    _load(sample, pg_url, schema="analytics")
    with psycopg.connect(pg_url) as con:
        found = con.execute(
            "SELECT schemaname, COUNT(*) FROM pg_tables "
            "WHERE schemaname IN ('analytics', 'public') GROUP BY schemaname"
        ).fetchall()
        plays = con.execute("SELECT COUNT(*) FROM analytics.songplays").fetchone()
    assert found == [("analytics", len(ALL_TABLES))]
    assert plays == (6820,)
    with pytest.raises(TargetError) as info:
        _target(pg_url, schema="other").connect(read_only=True)
    assert info.value.message == f"Schema 'other' does not exist in {pg_url}."
    assert info.value.hint == "Run `sparkify run` first, or check --schema."


@pytest.mark.parametrize("schema", ['x"; DROP TABLE users; --', "1abc", "a b", ""])
def test_schema_must_be_a_plain_identifier(schema: str) -> None:
    with pytest.raises(ConfigError) as info:
        _target("postgresql://u@h/dw", schema=schema)
    assert info.value.message == (
        f"Bad --schema: invalid schema {schema!r}: use letters, digits and '_' only."
    )
    assert info.value.exit_code is ExitCode.USAGE


# -- advisory lock ---------------------------------------------------------------------------


def _hold_lock(pg_url: str, schema: str = "public") -> Any:
    con = psycopg.connect(pg_url, autocommit=True)
    con.execute("SELECT pg_advisory_lock(%s)", [lock_key(schema)])
    return con


def test_second_run_fails_at_once_while_the_lock_is_held(pg_url: str, sample: Path) -> None:
    s = load_settings(overrides={"source": str(sample), "target": pg_url})
    with open_target(s) as target:
        create_tables(target)
        holder = _hold_lock(pg_url)
        with holder, pytest.raises(BusyError) as info:
            etl(open_source(s), target)
    assert info.value.message == f"Another sparkify run is loading schema public of {pg_url}."
    assert (
        info.value.hint == "Wait for it to finish (or pass --lock-timeout SECONDS to wait for it)."
    )
    assert info.value.exit_code is ExitCode.BUSY
    assert rows(pg_url, "SELECT COUNT(*) FROM sparkify_manifest") == [(0,)]


def test_second_run_waits_with_a_note_then_loads(pg_url: str, sample: Path) -> None:
    s = load_settings(overrides={"source": str(sample), "target": pg_url, "lock_timeout": 30})
    notes = Notes()
    with open_target(s) as target:
        create_tables(target)
        holder = _hold_lock(pg_url)
        threading.Timer(0.5, holder.close).start()
        started = time.monotonic()
        result = etl(open_source(s), target, reporter=notes)
    assert time.monotonic() - started >= 0.5
    assert notes.notes == [
        f"Another sparkify run is loading schema public of {pg_url}; "
        "waiting up to 30 s for it to finish."
    ]
    assert result.table_counts["songplays"] == 6820


def test_waiting_gives_up_after_lock_timeout(pg_url: str, sample: Path) -> None:
    s = load_settings(overrides={"source": str(sample), "target": pg_url, "lock_timeout": 0.3})
    with open_target(s) as target:
        create_tables(target)
        with _hold_lock(pg_url), pytest.raises(BusyError):
            etl(open_source(s), target)
        assert target.scalar("SELECT current_setting('lock_timeout')") == "0"


def test_other_schema_is_not_locked(pg_url: str, sample: Path) -> None:
    s = load_settings(overrides={"source": str(sample), "target": pg_url, "schema": "b"})
    with _hold_lock(pg_url, "a"), open_target(s) as target:
        assert run(open_source(s), target, s).etl.files_new == 101


_RACER = """
import json, pathlib, sys, time
from sparkify.config import load_settings
from sparkify.pipeline.run import run
from sparkify.sources import open_source
from sparkify.targets import open_target
source, url, go = sys.argv[1:4]
s = load_settings(overrides={"source": source, "target": url, "lock_timeout": 60})
while not pathlib.Path(go).exists():
    time.sleep(0.002)
with open_target(s) as target:
    r = run(open_source(s), target, s)
print(json.dumps([r.etl.files_new, r.etl.files_skipped, r.etl.transformed, r.checks.ok]))
"""


def test_two_concurrent_runs_never_interleave(pg_url: str, sample: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(sample), pg_url, str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(1.0)  # both have imported sparkify and are polling
    go.touch()
    outcomes = sorted(json.loads(p.communicate(timeout=60)[0]) for p in racers)
    assert [p.returncode for p in racers] == [0, 0]
    assert outcomes == [[0, 101, False, True], [101, 0, True, True]]
    raced = snapshot(pg_url, EVERY_TABLE)
    _load(sample, pg_url, full_refresh=True)
    assert snapshot(pg_url, EVERY_TABLE) == raced


_STALLED = """
import sys
from sparkify.config import load_settings
from sparkify.pipeline.run import etl
from sparkify.sources import open_source
from sparkify.targets import open_target
class Stall:
    def start(self, task, total=None, unit=""): pass
    def finish(self, task): pass
    def note(self, message): pass
    def advance(self, task, amount=1):
        if task == "Transforming":
            print("transforming", flush=True)
            sys.stdin.read()
s = load_settings(overrides={"source": sys.argv[1], "target": sys.argv[2]})
with open_target(s) as target:
    etl(open_source(s), target, reporter=Stall())
"""


def test_killed_run_leaves_previous_state_and_frees_the_lock(
    pg_url: str, sample: Path, tmp_path: Path
) -> None:
    part = tmp_path / "part"
    write_song(part, song())
    write_log(part / "log_data" / "d1.json", [event()])
    _load(source_link(tmp_path / "src", part), pg_url)
    before = snapshot(pg_url, EVERY_TABLE)
    later = source_link(tmp_path / "src", sample)  # the same source, the whole month arrived
    proc = subprocess.Popen(
        [sys.executable, "-c", _STALLED, str(later), pg_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "transforming\n"  # staged 101 files, star half rebuilt
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert snapshot(pg_url, EVERY_TABLE) == before
    s = load_settings(overrides={"source": str(later), "target": pg_url, "lock_timeout": 10})
    with open_target(s) as target:
        assert etl(open_source(s), target).files_new == 101


# -- COPY path and identical rows ------------------------------------------------------------


def test_staging_is_loaded_with_copy_never_insert(
    pg_url: str, sample: Path, tmp_path: Path
) -> None:
    seen: list[str] = []
    loaded = source_link(tmp_path / "src", sample)
    s = load_settings(overrides={"source": str(loaded), "target": pg_url})
    with open_target(s, tracer=seen.append) as target:
        run(open_source(s), target, s)
    copies = [q for q in seen if q.startswith("COPY")]
    staging_events = (
        'COPY "staging_events" ("event_id", "artist", "auth", "firstname", "gender", '
        '"iteminsession", "lastname", "length", "level", "location", "method", "page", '
        '"registration", "sessionid", "song", "status", "ts", "useragent", "userid", '
        '"source_file", "source_line") FROM STDIN (FORMAT binary'
    )
    assert copies == [
        'COPY "sparkify_source" ("log_data", "song_data") FROM STDIN (FORMAT binary)',
        # a first load: staging was empty, so it is truncated and loaded frozen
        staging_events + ", FREEZE)",
        'COPY "staging_songs" ("num_songs", "artist_id", "artist_latitude", '
        '"artist_longitude", "artist_location", "artist_name", "song_id", "title", '
        '"duration", "year", "source_file", "source_line") FROM STDIN (FORMAT binary, FREEZE)',
        'COPY "sparkify_manifest" ("source_file", "kind", "size", "mtime", "checksum", '
        '"records", "rejected", "id_end") FROM STDIN (FORMAT binary)',
        # the star is built in the client's copy of staging, each table truncated and
        # copied in frozen
        *(
            f'COPY "{t.name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in t.column_names)}) '
            "FROM STDIN (FORMAT binary, FREEZE)"
            for t in STAR_TABLES
        ),
        # the run's own record, just before COMMIT
        f'COPY "{RUNS.name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in RUNS.column_names)}) '
        "FROM STDIN (FORMAT binary)",
    ]
    assert not [
        q for q in seen if q.upper().startswith(("INSERT INTO STAGING", "INSERT INTO SONGPLAYS"))
    ]
    # a later run adds to staging without emptying it: an ordinary COPY
    more = tmp_path / "more"
    shutil.copytree(sample, more)
    write_log(more / "log_data" / "extra.json", [event()])
    seen.clear()
    s = load_settings(overrides={"source": str(source_link(loaded, more)), "target": pg_url})
    with open_target(s, tracer=seen.append) as target:
        assert etl(open_source(s), target).files_new == 1
    assert [q for q in seen if q.startswith('COPY "staging_events"')] == [staging_events + ")"]
    assert not [q for q in seen if "FREEZE" in q or q.startswith("TRUNCATE")]


TRICKY = [
    "",
    "tab\there",
    "line\nbreak\r\nand CR",
    "back\\slash \\N \\.",
    'quote " and "" and ,comma',
    "ünïcödé 🎵 日本",
    " padded ",
]


def _tricky_input(root: Path) -> None:
    events = [
        event(userId=str(i + 1), ts=1541000000000 + i, location=text, userAgent=text,
              song=text, artist=text, firstName=text)
        for i, text in enumerate(TRICKY)
    ]  # fmt: skip
    events.append(event(userId="", page="Home", ts=1541000000100, location=None, userAgent=None))
    write_log(
        root / "log_data" / "2018" / "d1.json", [*events, '{"ts": "x\\ty"}', 'not json \\ \t"']
    )
    for i, text in enumerate(TRICKY):
        write_song(root, song(song_id=f"SO{i}", title=text, artist_name=text,
                              artist_location=text, artist_id=f"AR{i}"))  # fmt: skip
    generate(root / "gen", events=2000, songs=150, users=20, days=3, seed=11)
    for kind in ("log_data", "song_data"):
        (root / "gen" / kind).rename(root / kind / "gen")


def test_postgres_and_duckdb_give_identical_rows(pg_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    _tricky_input(data)
    duck_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    _load(data, duck_url)
    _load(data, pg_url)
    duck, pg = snapshot(duck_url, EVERY_TABLE), snapshot(pg_url, EVERY_TABLE)
    assert {t: len(r) for t, r in pg.items()} == {t: len(r) for t, r in duck.items()}
    assert pg == duck  # songplay_id included: both are the staged event_id
    located = rows(
        pg_url, "SELECT location FROM staging_events WHERE ts < 1541000000007 AND userid <> ''"
    )
    # staged as given, but without trailing spaces (docs/semantics.md): ' padded ' -> ' padded'
    assert sorted(r[0] for r in located) == sorted(t.rstrip(" ") for t in TRICKY)
    home = "SELECT location, useragent, userid FROM staging_events WHERE ts = 1541000000100"
    assert rows(pg_url, home) == [(None, None, "")]  # NULL stays NULL, '' stays ''


def test_same_rows_on_the_real_sample(pg_url: str, sample: Path, tmp_path: Path) -> None:
    duck_url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    _load(sample, duck_url)
    _load(sample, pg_url)
    assert snapshot(pg_url, EVERY_TABLE) == snapshot(duck_url, EVERY_TABLE)


def test_nul_characters_are_removed(pg_url: str, tmp_path: Path) -> None:
    write_log(tmp_path / "log_data" / "d.json", [event(firstName="A\u0000nn"), "bad \u0000 line"])
    write_song(tmp_path, song(title="So\u0000ng"))
    _load(tmp_path, pg_url)
    assert rows(pg_url, "SELECT firstname FROM staging_events") == [("Ann",)]
    assert rows(pg_url, "SELECT title FROM songs") == [("Song",)]
    assert rows(pg_url, "SELECT source_line, raw_text FROM load_errors") == [(2, "bad  line")]


def test_star_built_in_the_client_equals_the_star_built_in_postgres(
    pg_url: str, tmp_path: Path
) -> None:
    """A first load builds the star in the client's copy of staging and copies it in; a run
    that reloads a changed file rebuilds it with SQL in PostgreSQL. Same staging, same star."""
    data = tmp_path / "data"
    generate(data, events=3000, songs=80, users=15, days=3, seed=5, match_rate=0.6)
    _tricky_input(data)
    seen: list[str] = []
    s = load_settings(overrides={"source": str(data), "target": pg_url})
    with open_target(s, tracer=seen.append) as target:
        run(open_source(s), target, s)
    assert any(q.startswith('COPY "songplays"') for q in seen)  # built in the client
    client_built = snapshot(pg_url, EVERY_TABLE)
    # the same records in another key order: a changed file, reloaded; rebuilt in PostgreSQL
    song_file = sorted((data / "song_data").rglob("*.json"))[0]
    record = json.loads(song_file.read_text())
    song_file.write_text(json.dumps(dict(reversed(list(record.items())))))
    seen.clear()
    with open_target(s, tracer=seen.append) as target:
        assert run(open_source(s), target, s).etl.files_changed == 1
    assert any(q.startswith("INSERT INTO songplays") for q in seen)  # built in PostgreSQL
    assert not any(q.startswith('COPY "songplays"') for q in seen)
    rebuilt = snapshot(pg_url, EVERY_TABLE)
    manifest = "sparkify_manifest"
    assert {t: r for t, r in rebuilt.items() if t != manifest} == {
        t: r for t, r in client_built.items() if t != manifest
    }


@pytest.mark.postgres
def test_a_latin1_database_stores_the_characters_not_the_utf8_bytes(tmp_path: Path) -> None:
    """sparkify sends UTF-8 and says so (client_encoding), so the server converts text to the
    database's encoding; a character the encoding lacks fails the run, committing nothing."""
    from tests.pg import pg_database

    options = "ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    with pg_database("sparkify_latin1", options) as url:
        src = tmp_path / "src"
        write_log(src / "log_data" / "a.json", [event(firstName="Zoë", artist="Beyoncé")])
        write_song(src, song(artist_name="Beyoncé"))
        s = load_settings(overrides={"source": str(src), "target": url})
        with open_target(s) as target:
            run(open_source(s), target, s)
        assert rows(url, "SELECT first_name, length(first_name) FROM users") == [("Zoë", 3)]
        assert rows(url, "SELECT name, length(name) FROM artists") == [("Beyoncé", 7)]
        before = snapshot(url)
        write_log(src / "log_data" / "b.json", [event(firstName="🎵", ts=1541000000001)])
        with open_target(s) as target, pytest.raises(TargetError, match="LATIN1"):
            run(open_source(s), target, s)
        assert snapshot(url) == before
