"""The DuckDB SQL that types raw input lines into staging rows, generated from the model.

Input: a relation ``_lines(file_idx, line_no, seq, text)`` holding one row per non-blank line (or
per JSON object of a pretty-printed file). Output: the same rows with every staging column
typed and a ``reason`` that is empty for good records and says what is wrong otherwise.
Each document is parsed once: text fields as VARCHAR, numeric fields as their JSON text,
which is then typed one small fragment at a time with the same rules json_transform applies
to a whole record. So "missing or null" (no JSON text) and "cannot be typed" (JSON text, no
value) are told apart without a second parse; only rows whose text fields look like an object
or array (or an integer-text field that is not an integer) are parsed again keeping every
field's raw JSON, for the reason. A text value longer than its column's width (UTF-8 bytes,
from the model) is rejected with :func:`sparkify.limits.too_long_reason`, as on Redshift. The
line's text is kept for rejected rows only. No Python touches the records. A record over
:data:`~sparkify.limits.MAX_RECORD_BYTES` is never parsed: its length is tested first
(``strlen`` is O(1)), and only its first characters are kept.
"""

from __future__ import annotations

from sparkify.limits import (
    MAX_RECORD_BYTES,
    OVERSIZED_RAW_CHARS,
    oversized_record_reason,
    too_long_reason,
)
from sparkify.schema.model import LOAD_ERRORS, Column, ColumnType, Table
from sparkify.sql.json_text import without_nul

_DUCK_TYPES = {
    ColumnType.BIGINT: "BIGINT",
    ColumnType.INTEGER: "INTEGER",
    ColumnType.DOUBLE: "DOUBLE",
    ColumnType.TEXT: "VARCHAR",
    ColumnType.TIMESTAMP: "TIMESTAMP",
}


def duck_type(col: Column) -> str:
    """The DuckDB type the parse gives ``col`` (text stays VARCHAR)."""
    return _DUCK_TYPES[col.type]


_NUMERIC_WORD = {
    ColumnType.BIGINT: "an integer",
    ColumnType.INTEGER: "a 32-bit integer",
    ColumnType.DOUBLE: "a finite number",
}


_LINE_END = "chr(13) || chr(10)"
_SIZE_MARK = 1_234_567

#: DuckDB SQL: the line in ``text`` is not blank, so it is a record (every target's definition).
#: The CASE keeps DuckDB from trimming every line (strlen is O(1)).
NOT_BLANK = (
    "CASE WHEN strlen(text) >= 64 THEN true "
    "ELSE trim(text, chr(32) || chr(9) || chr(13) || chr(10)) <> '' END"
)


def record_size(text: str) -> str:
    """DuckDB SQL: the UTF-8 size of the record in ``text`` (without its line end) when it may
    be over the limit, else NULL; only lines longer than the limit are trimmed."""
    return (
        f"CASE WHEN strlen({text}) > {MAX_RECORD_BYTES} THEN strlen(rtrim({text}, {_LINE_END})) END"
    )


def oversized_reason(size: str) -> str:
    """DuckDB SQL: :func:`sparkify.limits.oversized_record_reason` of the size ``size``."""
    head, tail = oversized_record_reason(_SIZE_MARK).replace("'", "''").split(f"{_SIZE_MARK:,}")
    return f"'{head}' || format('{{:,}}', {size}) || '{tail}'"


def kept_text(text: str, size: str) -> str:
    """DuckDB SQL: the raw text ``load_errors`` keeps of a record of ``size`` bytes."""
    cut = f"left({text}, {OVERSIZED_RAW_CHARS})"
    return f"CASE WHEN {size} > {MAX_RECORD_BYTES} THEN {cut} ELSE {text} END"


def input_columns(table: Table) -> tuple[Column, ...]:
    """The staging columns read from the input (those with a JSON key)."""
    return tuple(c for c in table.columns if c.json_key)


def _struct(columns: tuple[Column, ...], raw: bool) -> str:
    """The json_transform type of a record. ``raw``: every field as its JSON text. Otherwise
    text fields as VARCHAR and numeric fields as their JSON text, typed afterwards one small
    fragment at a time (:func:`_typed`), so one parse tells "missing" from "cannot be typed"."""

    def kind(c: Column) -> str:
        return "JSON" if raw or c.type is not ColumnType.TEXT else "VARCHAR"

    return "'{" + ", ".join(f'"{c.json_key}": "{kind(c)}"' for c in columns) + "}'"


def _field(col: Column) -> str:
    """The field as parsed: VARCHAR for text, without trailing spaces (see
    :func:`without_trailing_spaces`), and the value's JSON text for numbers."""
    field = f'm."{col.json_key}"'
    return without_trailing_spaces(field) if col.type is ColumnType.TEXT else field


def _parsed(col: Column) -> str:
    """The field as :func:`_field` has it, once the ``typed`` step exists: a text field is read
    from its typed column (already without trailing spaces), so the trimming is computed once
    per value and not again in every test of the field."""
    return f'"{col.name}"' if col.type is ColumnType.TEXT else _field(col)


def without_trailing_spaces(text: str) -> str:
    """``text`` without trailing spaces (U+0020). Redshift ignores them when it compares
    VARCHAR values ('X' = 'X ') and DuckDB and PostgreSQL do not, so no target stages them:
    every comparison, grouping and partition of staged text then has one answer everywhere
    (docs/semantics.md). ``rtrim`` only runs on the rare values that need it: it is ~15 times
    slower than the ``suffix`` test."""
    return f"CASE WHEN suffix({text}, ' ') THEN rtrim({text}, ' ') ELSE {text} END"


def _typed(col: Column) -> str:
    """The field typed as json_transform types it (same rules as typing the whole record)."""
    if col.type is ColumnType.TEXT:
        return _field(col)
    return f"try(json_transform({_field(col)}, '\"{_DUCK_TYPES[col.type]}\"'))"


def _value(col: Column) -> str:
    typed = f'"{col.name}"'
    if col.integer_text:
        return (
            f"CASE WHEN trim({typed}) = '' THEN '' "
            f"ELSE CAST(TRY_CAST({typed} AS INTEGER) AS VARCHAR) END"
        )
    return typed


def _empty(col: Column) -> str:
    field = _parsed(col)
    empty = "''" if col.type is ColumnType.TEXT else "'\"\"'"
    return f"({field} IS NULL OR {field} = {empty})"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _too_long(col: Column) -> str:
    """A text value longer than its column's width, in UTF-8 bytes (``strlen`` counts bytes)."""
    return f"strlen({_parsed(col)}) > {col.width}"


def _too_long_reason(col: Column) -> str:
    """SQL giving :func:`sparkify.limits.too_long_reason` for the field, to the character."""
    mark = 987_654_321_012_345  # a size no limit looks like: the text is cut around it
    before, after = too_long_reason(str(col.json_key), mark, col.width or 0).split(f"{mark:,}")
    return f"{_literal(before)} || format('{{:,}}', strlen({_parsed(col)})) || {_literal(after)}"


def kept_raw_text(text: str) -> str:
    """SQL for a rejected record's text as ``load_errors.raw_text`` keeps it on every target:
    without NUL characters, and cut to the column's width in UTF-8 bytes (Redshift's widest
    VARCHAR) at a character boundary. A character is at most 4 bytes, so one of the four cuts
    ending at the limit or up to 3 bytes before it is whole UTF-8."""
    limit = LOAD_ERRORS.column("raw_text").width or 0
    clean = f"replace({text}, chr(0), '')"
    cuts = ", ".join(f"try(decode(encode({clean})[1:{limit - back}]))" for back in range(4))
    return f"CASE WHEN strlen({clean}) <= {limit} THEN {clean} ELSE coalesce({cuts}) END"


USER_ID_PATTERN = " *[+-]?[0-9]{1,10} *"
"""An integer-text field: an optional sign and 1 to 10 digits, with spaces around (and the
value in the 32-bit range). The Redshift staging contract (sql/redshift.py) applies the same
rule, before any cast."""


def _not_integer(field: str) -> str:
    """Not empty and not an integer by :data:`USER_ID_PATTERN`. TRY_CAST alone accepts more
    (tabs, line breaks, leading zeros past 10 digits); the pattern is only matched against text
    that is not already the integer's canonical form, so plain ids cost no regex."""
    cast = f"TRY_CAST({field} AS INTEGER)"
    return (
        f"trim({field}) <> '' AND ({cast} IS NULL OR ({field} <> CAST({cast} AS VARCHAR) "
        f"AND NOT regexp_full_match({field}, '{USER_ID_PATTERN}')))"
    )


def _untypable(col: Column) -> str:
    """The numeric field has JSON text (see :func:`_empty`) but no value of its type."""
    typed = f'"{col.name}"'
    bad = f"{typed} IS NULL"
    if col.type is ColumnType.DOUBLE:
        bad = f"({typed} IS NULL OR NOT isfinite({typed}))"
    return f"NOT {_empty(col)} AND {bad}"


def _text_doubts(col: Column) -> list[str]:
    """Text that starts like an object or array, or integer text that is not an integer:
    only the raw JSON says whether, and what, is wrong."""
    field = _parsed(col)
    terms = [f"ascii({field}) IN (91, 123)"]  # starts with '[' or '{'
    if col.integer_text:
        terms.append(_not_integer(field))
    return terms


def _any(terms: list[str]) -> str:
    return " OR ".join(f"coalesce({t}, false)" for t in terms)


def _bad(col: Column) -> str:
    """A cheap test: true when the field may be wrong."""
    terms = [_empty(col)] if col.required else []
    if col.type is ColumnType.TEXT:
        terms += [*_text_doubts(col), _too_long(col)]
    else:
        terms.append(_untypable(col))
    return _any(terms)


def _needs_raw(col: Column) -> str | None:
    """When the field's raw JSON text is needed for the reason (else None)."""
    return _any(_text_doubts(col)) if col.type is ColumnType.TEXT else None


def _problem(col: Column) -> str:
    """A SQL expression that is NULL when the field is fine, else a short reason."""
    raw, field, key = f'r."{col.json_key}"', _parsed(col), col.json_key
    checks: list[str] = []
    if col.required:
        checks.append(f"WHEN {_empty(col)} THEN 'missing required field {key}'")
    if col.type is ColumnType.TEXT:
        checks.append(
            f"WHEN left({raw}, 1) IN ('{{', '[') THEN 'field {key}: expected text, got ' || "
            f"CASE WHEN left({raw}, 1) = '{{' THEN 'an object' ELSE 'an array' END"
        )
        if col.integer_text:
            checks.append(
                f"WHEN {_not_integer(field)} "
                f"THEN 'field {key}: expected an integer or \"\", got ' || left({raw}, 80)"
            )
        checks.append(f"WHEN {_too_long(col)} THEN {_too_long_reason(col)}")
    else:
        checks.append(
            f"WHEN {_untypable(col)} "
            f"THEN 'field {key}: expected {_NUMERIC_WORD[col.type]}, got ' || left({field}, 80)"
        )
    return "CASE " + " ".join(checks) + " END"


def parse_sql(table: Table, lines: str = "_lines") -> str:
    """SELECT typing each row of ``lines`` for ``table``; columns: file_idx, line_no, seq, the
    input columns, reason, and text (kept only for rejected rows)."""
    cols = input_columns(table)
    typed = ",\n           ".join(f'{_typed(c)} AS "{c.name}"' for c in cols)
    values = ",\n       ".join(f'{_value(c)} AS "{c.name}"' for c in cols)
    bad = "\n           OR ".join(_bad(c) for c in cols)
    raw = "\n           OR ".join(t for c in cols if (t := _needs_raw(c)))
    problems = ",\n           ".join(_problem(c) for c in cols)
    clean = without_nul("text")  # no target keeps NUL characters
    return f"""
WITH parsed AS (
    SELECT file_idx, line_no, seq, text, size,
           CASE WHEN starts_with(text, '{{') THEN true
                ELSE left(ltrim(text, chr(32) || chr(9)), 1) = '{{' END AS is_object,
           CASE WHEN size > {MAX_RECORD_BYTES} THEN NULL
                ELSE try(json_transform({clean}, {_struct(cols, raw=False)})) END AS m
    FROM (SELECT *, {record_size("text")} AS size FROM {lines}) sized
), typed AS (
    SELECT *,
           {typed}
    FROM parsed
), checked AS (
    SELECT *,
           m IS NULL OR NOT is_object
           OR {bad} AS suspect
    FROM typed
), reasoned AS (
    SELECT *,
           CASE
               WHEN NOT suspect THEN ''
               WHEN size > {MAX_RECORD_BYTES} THEN {oversized_reason("size")}
               WHEN m IS NULL AND NOT json_valid(text) THEN 'not valid JSON'
               WHEN m IS NULL OR NOT is_object THEN 'not a JSON object'
               ELSE coalesce(concat_ws('; ',
           {problems}
               ), '')
           END AS reason
    FROM (
        SELECT *,
               CASE WHEN suspect AND ({raw})
                    THEN try(json_transform({clean}, {_struct(cols, raw=True)})) END AS r
        FROM checked
    ) c
)
SELECT file_idx, line_no, seq,
       {values},
       reason,
       CASE WHEN reason <> '' THEN {kept_text("text", "size")} END AS text
FROM reasoned
"""
