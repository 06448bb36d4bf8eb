"""The warehouse schema as data: staging, star and bookkeeping tables.

Declared once here and rendered per dialect by :mod:`sparkify.schema.render`. Column and table
names of the star schema are a contract: analysts' queries use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

#: Redshift's widest VARCHAR, in bytes.
MAX_VARCHAR_BYTES = 65535


class ColumnType(StrEnum):
    """Logical column types; each renderer maps them to its dialect."""

    BIGINT = "bigint"
    INTEGER = "integer"
    DOUBLE = "double"
    TEXT = "text"
    TIMESTAMP = "timestamp"


class TableKind(StrEnum):
    """What a table is for; drives diagrams, DDL order and the `--drop` behaviour."""

    STAGING = "staging"
    FACT = "fact"
    DIMENSION = "dimension"
    META = "meta"


@dataclass(frozen=True)
class Column:
    """One column. ``json_key`` names the input field a staging column is read from.

    ``width``: for a text column, the longest value it holds, in UTF-8 bytes (how Redshift
    counts ``VARCHAR(n)``); every text column declares one. A record with a longer value is
    rejected on every target, never truncated (:mod:`sparkify.limits`). ``MAX_VARCHAR_BYTES``
    marks a column with no bound of its own (:attr:`unbounded`)."""

    name: str
    type: ColumnType
    nullable: bool = True
    primary_key: bool = False
    references: tuple[str, str] | None = None
    json_key: str | None = None
    required: bool = False
    identity: bool = False
    integer_text: bool = False
    width: int | None = None
    doc: str = ""

    def __post_init__(self) -> None:
        if (self.type is ColumnType.TEXT) != (self.width is not None):
            raise ValueError(f"column {self.name}: a width goes with text columns, and only them")
        if self.width is not None and not 0 < self.width <= MAX_VARCHAR_BYTES:
            raise ValueError(f"column {self.name}: width must be 1..{MAX_VARCHAR_BYTES} bytes")

    @property
    def unbounded(self) -> bool:
        """A text column with no bound of its own: Redshift's widest VARCHAR."""
        return self.width == MAX_VARCHAR_BYTES


@dataclass(frozen=True)
class Table:
    """One table with its Redshift physical design (ignored by other dialects)."""

    name: str
    kind: TableKind
    columns: tuple[Column, ...]
    doc: str = ""
    diststyle: str = "AUTO"
    distkey: str | None = None
    sortkey: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the columns, in declaration order."""
        return tuple(c.name for c in self.columns)

    @property
    def primary_key(self) -> str | None:
        """The single primary-key column, if the table has one."""
        keys = [c.name for c in self.columns if c.primary_key]
        return keys[0] if keys else None

    def column(self, name: str) -> Column:
        """The column called ``name``; ``KeyError`` if there is none."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


T = ColumnType

# Text widths in UTF-8 bytes, each a few times (or more) the longest value of the public
# sample; measurements and reasons in docs/redshift.md ("Column widths"). Change a width here.
CODE = 16  # level, gender, method (longest seen: 4 bytes)
LABEL = 64  # auth, page, userId (16)
ID = 64  # song_id, artist_id: Echo Nest ids, 18 bytes each
PERSON = 256  # first and last names (10)
PLACE = 512  # locations (46)
NAME = 1024  # artist names, song titles (159)
USER_AGENT = 2048  # (139)
PATH = 4096  # source_file: S3 keys are at most 1,024 bytes, Linux paths 4,096
CHECKSUM = 128  # "blake3:" + 32 hex digits, or an S3 ETag
REASON = 16384  # load_errors.reason: every field's problem, at most ~7 KB
MESSAGE = 4096  # sparkify_runs.error: one line of at most 1,000 characters

LINEAGE = (
    Column(
        "source_file",
        T.TEXT,
        nullable=False,
        width=PATH,
        doc="Path of the input file, from the source root",
    ),
    Column("source_line", T.INTEGER, nullable=False, doc="1-based line where the record starts"),
)

STAGING_EVENTS = Table(
    "staging_events",
    TableKind.STAGING,
    (
        Column(
            "event_id", T.BIGINT, nullable=False, identity=True, doc="Surrogate id of the event"
        ),
        Column("artist", T.TEXT, json_key="artist", width=NAME),
        Column("auth", T.TEXT, json_key="auth", width=LABEL),
        Column("firstname", T.TEXT, json_key="firstName", width=PERSON),
        Column("gender", T.TEXT, json_key="gender", width=CODE),
        Column("iteminsession", T.INTEGER, json_key="itemInSession"),
        Column("lastname", T.TEXT, json_key="lastName", width=PERSON),
        Column("length", T.DOUBLE, json_key="length"),
        Column("level", T.TEXT, json_key="level", width=CODE),
        Column("location", T.TEXT, json_key="location", width=PLACE),
        Column("method", T.TEXT, json_key="method", width=CODE),
        Column("page", T.TEXT, json_key="page", width=LABEL),
        Column("registration", T.DOUBLE, json_key="registration"),
        Column("sessionid", T.INTEGER, json_key="sessionId"),
        Column("song", T.TEXT, json_key="song", width=NAME),
        Column("status", T.INTEGER, json_key="status"),
        Column("ts", T.BIGINT, nullable=False, json_key="ts", required=True, doc="Epoch ms"),
        Column("useragent", T.TEXT, json_key="userAgent", width=USER_AGENT),
        Column(
            "userid",
            T.TEXT,
            json_key="userId",
            width=LABEL,
            integer_text=True,
            doc="Integer as text; '' when logged out",
        ),
        *LINEAGE,
    ),
    doc="One row per log record, typed.",
    diststyle="EVEN",
    sortkey=("ts",),
)

STAGING_SONGS = Table(
    "staging_songs",
    TableKind.STAGING,
    (
        Column("num_songs", T.INTEGER, json_key="num_songs"),
        Column("artist_id", T.TEXT, nullable=False, json_key="artist_id", required=True, width=ID),
        Column("artist_latitude", T.DOUBLE, json_key="artist_latitude"),
        Column("artist_longitude", T.DOUBLE, json_key="artist_longitude"),
        Column("artist_location", T.TEXT, json_key="artist_location", width=PLACE),
        Column("artist_name", T.TEXT, json_key="artist_name", width=NAME),
        Column("song_id", T.TEXT, nullable=False, json_key="song_id", required=True, width=ID),
        Column("title", T.TEXT, json_key="title", width=NAME),
        Column("duration", T.DOUBLE, json_key="duration"),
        Column("year", T.INTEGER, json_key="year"),
        *LINEAGE,
    ),
    doc="One row per song record, typed.",
    diststyle="EVEN",
    sortkey=("song_id",),
)

SONGPLAYS = Table(
    "songplays",
    TableKind.FACT,
    (
        Column("songplay_id", T.BIGINT, nullable=False, primary_key=True, doc="= event_id"),
        Column("start_time", T.TIMESTAMP, nullable=False, references=("time", "start_time")),
        Column("user_id", T.INTEGER, nullable=False, references=("users", "user_id")),
        Column("level", T.TEXT, width=CODE),
        Column("song_id", T.TEXT, references=("songs", "song_id"), width=ID),
        Column("artist_id", T.TEXT, references=("artists", "artist_id"), width=ID),
        Column("session_id", T.INTEGER),
        Column("location", T.TEXT, width=PLACE),
        Column("user_agent", T.TEXT, width=USER_AGENT),
    ),
    doc="One row per NextSong event with a user id.",
    diststyle="KEY",
    distkey="user_id",
    sortkey=("start_time",),
)

USERS = Table(
    "users",
    TableKind.DIMENSION,
    (
        Column("user_id", T.INTEGER, nullable=False, primary_key=True),
        Column("first_name", T.TEXT, width=PERSON),
        Column("last_name", T.TEXT, width=PERSON),
        Column("gender", T.TEXT, width=CODE),
        Column("level", T.TEXT, width=CODE),
    ),
    doc="Users with at least one play; attributes from their latest event.",
    diststyle="KEY",
    distkey="user_id",
    sortkey=("user_id",),
)

SONGS = Table(
    "songs",
    TableKind.DIMENSION,
    (
        Column("song_id", T.TEXT, nullable=False, primary_key=True, width=ID),
        Column("title", T.TEXT, width=NAME),
        Column("artist_id", T.TEXT, references=("artists", "artist_id"), width=ID),
        Column("year", T.INTEGER),
        Column("duration", T.DOUBLE),
    ),
    doc="The song catalogue, one row per song_id.",
    diststyle="KEY",
    distkey="song_id",
    sortkey=("song_id",),
)

ARTISTS = Table(
    "artists",
    TableKind.DIMENSION,
    (
        Column("artist_id", T.TEXT, nullable=False, primary_key=True, width=ID),
        Column("name", T.TEXT, width=NAME),
        Column("location", T.TEXT, width=PLACE),
        Column("latitude", T.DOUBLE),
        Column("longitude", T.DOUBLE),
    ),
    doc="Artists, from their record with the smallest song_id.",
    diststyle="KEY",
    distkey="artist_id",
    sortkey=("artist_id",),
)

TIME = Table(
    "time",
    TableKind.DIMENSION,
    (
        Column("start_time", T.TIMESTAMP, nullable=False, primary_key=True),
        Column("hour", T.INTEGER),
        Column("day", T.INTEGER),
        Column("week", T.INTEGER),
        Column("month", T.INTEGER),
        Column("year", T.INTEGER),
        Column("weekday", T.INTEGER, doc="0 = Sunday … 6 = Saturday"),
    ),
    doc="One row per distinct songplays.start_time.",
    diststyle="AUTO",
    sortkey=("start_time",),
)

LOAD_ERRORS = Table(
    "load_errors",
    TableKind.META,
    (
        Column("source_file", T.TEXT, nullable=False, width=PATH),
        Column("source_line", T.INTEGER),
        Column("reason", T.TEXT, nullable=False, width=REASON),
        Column("raw_text", T.TEXT, width=MAX_VARCHAR_BYTES),
    ),
    doc="Input records that could not be staged, with the reason.",
    diststyle="EVEN",
)

MANIFEST = Table(
    "sparkify_manifest",
    TableKind.META,
    (
        Column("source_file", T.TEXT, nullable=False, primary_key=True, width=PATH),
        Column("kind", T.TEXT, nullable=False, width=CODE),
        Column("size", T.BIGINT, nullable=False),
        Column("mtime", T.DOUBLE),
        Column(
            "checksum",
            T.TEXT,
            nullable=False,
            width=CHECKSUM,
            doc="BLAKE3 of the bytes (blake3:…), or the ETag",
        ),
        Column("records", T.INTEGER, nullable=False),
        Column("rejected", T.INTEGER, nullable=False),
        Column("id_end", T.BIGINT, doc="Last event_id reserved for a log file's records"),
    ),
    doc="Files already loaded: skipped next time unless their size or checksum changed.",
    diststyle="ALL",
)

# Text columns of sparkify_runs hold short values (run ids, enum words, a version, masked
# URLs, a one-line error of at most 1,000 characters: pipeline/history.py cuts it): when text
# columns get declared widths, these are their places.
RUNS = Table(
    "sparkify_runs",
    TableKind.META,
    (
        Column("run_id", T.TEXT, nullable=False, primary_key=True, doc="32 hex digits", width=ID),
        Column("started_at", T.TIMESTAMP, nullable=False, doc="UTC"),
        Column("finished_at", T.TIMESTAMP, nullable=False, doc="UTC"),
        Column("sparkify_version", T.TEXT, nullable=False, width=LABEL),
        Column("command", T.TEXT, nullable=False, doc="run or etl", width=CODE),
        Column("source", T.TEXT, doc="Passwords masked", width=2 * PATH),
        Column("target", T.TEXT, nullable=False, doc="Passwords masked", width=PATH),
        Column(
            "mode", T.TEXT, doc="first load, incremental, full refresh or nothing new", width=LABEL
        ),
        Column("files_new", T.INTEGER),
        Column("files_changed", T.INTEGER),
        Column("files_unchanged", T.INTEGER),
        Column("records_read", T.BIGINT),
        Column("records_staged", T.BIGINT),
        Column("records_rejected", T.BIGINT),
        Column("songplays_rows", T.BIGINT, doc="Rows after the run (committed runs)"),
        Column("users_rows", T.BIGINT),
        Column("songs_rows", T.BIGINT),
        Column("artists_rows", T.BIGINT),
        Column("time_rows", T.BIGINT),
        Column("checks_passed", T.INTEGER, doc="NULL when the command ran no checks"),
        Column("checks_failed", T.INTEGER),
        Column("checks_warned", T.INTEGER),
        Column("seconds", T.DOUBLE),
        Column(
            "outcome",
            T.TEXT,
            nullable=False,
            doc="committed, failed, interrupted, rejected or dry run",
            width=LABEL,
        ),
        Column("error", T.TEXT, doc="One-line message of a run that did not commit", width=MESSAGE),
        Column("exit_code", T.INTEGER, doc="Exit code of a run that did not commit"),
    ),
    doc="One row per run: what it loaded, its checks and its outcome.",
    diststyle="EVEN",
    sortkey=("started_at",),
)

_LOCATION = "Absolute path, or s3://bucket/prefix (within PATH bytes either way)"
SOURCE = Table(
    "sparkify_source",
    TableKind.META,
    (
        Column("log_data", T.TEXT, nullable=False, width=PATH, doc=_LOCATION),
        Column("song_data", T.TEXT, nullable=False, width=PATH, doc=_LOCATION),
    ),
    doc="The source the warehouse was loaded from (one row); a run from another one stops.",
    diststyle="ALL",
)

STAGING_TABLES = (STAGING_EVENTS, STAGING_SONGS)
STAR_TABLES = (SONGPLAYS, USERS, SONGS, ARTISTS, TIME)
META_TABLES = (LOAD_ERRORS, MANIFEST)
#: The tables whose rows name the file they came from (``source_file``), in the order a file's
#: rows are deleted when it is reloaded.
FILE_TABLES = (*STAGING_TABLES, *META_TABLES)
#: The tables a load reads and writes (a full refresh empties them; sparkify_runs is kept).
LOADED_TABLES = STAGING_TABLES + STAR_TABLES + META_TABLES
#: Every table. The bookkeeping tables after LOADED_TABLES are created by a run when missing
#: (warehouses of earlier releases lack them); commands that only read do not require them.
ALL_TABLES = (*LOADED_TABLES, SOURCE, RUNS)


def table(name: str) -> Table:
    """The table called ``name``; ``KeyError`` if the schema has none."""
    for t in ALL_TABLES:
        if t.name == name:
            return t
    raise KeyError(name)
