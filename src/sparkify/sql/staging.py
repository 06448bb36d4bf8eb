"""The DuckDB SQL that types raw input lines into staging rows, generated from the model.

Input: a relation ``_lines(file_idx, line_no, seq, text)`` holding one row per non-blank line (or
per JSON object of a pretty-printed file). Output: the same rows with every staging column
typed and a ``reason`` that is empty for good records and says what is wrong otherwise.
Each document is parsed once, typed; only rows where a typed value looks suspect (NULL where
a value may be untypable, text that is an object) are parsed a second time keeping every
field's raw JSON, to tell "missing" from "cannot be typed". No Python touches the records.
"""

from __future__ import annotations

from sparkify.schema.model import Column, ColumnType, Table

_DUCK_TYPES = {
    ColumnType.BIGINT: "BIGINT",
    ColumnType.INTEGER: "INTEGER",
    ColumnType.DOUBLE: "DOUBLE",
    ColumnType.TEXT: "VARCHAR",
    ColumnType.TIMESTAMP: "TIMESTAMP",
}

_NUMERIC_WORD = {
    ColumnType.BIGINT: "an integer",
    ColumnType.INTEGER: "a 32-bit integer",
    ColumnType.DOUBLE: "a finite number",
}


def input_columns(table: Table) -> tuple[Column, ...]:
    """The staging columns read from the input (those with a JSON key)."""
    return tuple(c for c in table.columns if c.json_key)


def _struct(columns: tuple[Column, ...], raw: bool) -> str:
    fields = ", ".join(
        f'"{c.json_key}": "{"JSON" if raw else _DUCK_TYPES[c.type]}"' for c in columns
    )
    return "'{" + fields + "}'"


def _value(col: Column) -> str:
    typed = f't."{col.json_key}"'
    if col.integer_text:
        return (
            f"CASE WHEN trim({typed}) = '' THEN '' "
            f"ELSE CAST(TRY_CAST({typed} AS INTEGER) AS VARCHAR) END"
        )
    return typed


def _problem(col: Column) -> str:
    """A SQL expression that is NULL when the field is fine, else a short reason."""
    raw, typed, key = f'r."{col.json_key}"', f't."{col.json_key}"', col.json_key
    empty = f"({raw} IS NULL OR {raw} = '\"\"')"
    checks: list[str] = []
    if col.required:
        checks.append(f"WHEN {empty} THEN 'missing required field {key}'")
    if col.type is ColumnType.TEXT:
        checks.append(
            f"WHEN left({raw}, 1) IN ('{{', '[') THEN 'field {key}: expected text, got ' || "
            f"CASE WHEN left({raw}, 1) = '{{' THEN 'an object' ELSE 'an array' END"
        )
        if col.integer_text:
            checks.append(
                f"WHEN trim({typed}) <> '' AND TRY_CAST({typed} AS INTEGER) IS NULL "
                f"THEN 'field {key}: expected an integer or \"\", got ' || left({raw}, 80)"
            )
    else:
        bad = f"{typed} IS NULL"
        if col.type is ColumnType.DOUBLE:
            bad = f"({typed} IS NULL OR NOT isfinite({typed}))"
        checks.append(
            f"WHEN NOT {empty} AND {bad} "
            f"THEN 'field {key}: expected {_NUMERIC_WORD[col.type]}, got ' || left({raw}, 80)"
        )
    return "CASE " + " ".join(checks) + " END"


def _suspect(col: Column) -> str:
    """A cheap test on the typed value: false when the field is certainly fine, so only
    suspect rows pay for the second, raw parse that :func:`_problem` needs."""
    typed = f't."{col.json_key}"'
    terms: list[str] = []
    if col.type is ColumnType.TEXT:
        terms.append(f"left({typed}, 1) IN ('{{', '[')")
        if col.required:
            terms.append(f"{typed} IS NULL OR {typed} = ''")
        if col.integer_text:
            terms.append(f"trim({typed}) <> '' AND TRY_CAST({typed} AS INTEGER) IS NULL")
    else:
        terms.append(f"{typed} IS NULL")
        if col.type is ColumnType.DOUBLE:
            terms.append(f"NOT isfinite({typed})")
    return " OR ".join(f"coalesce({t}, false)" for t in terms)


def parse_sql(table: Table, lines: str = "_lines") -> str:
    """SELECT typing each row of ``lines`` for ``table``; columns: file_idx, line_no, seq, text,
    the input columns, reason."""
    cols = input_columns(table)
    values = ",\n       ".join(f'{_value(c)} AS "{c.name}"' for c in cols)
    suspects = "\n           OR ".join(_suspect(c) for c in cols)
    problems = ",\n           ".join(_problem(c) for c in cols)
    return f"""
WITH typed AS (
    SELECT file_idx, line_no, seq, text,
           left(ltrim(text, chr(32) || chr(9)), 1) = '{{' AS is_object,
           try(json_transform(text, {_struct(cols, raw=False)})) AS t
    FROM {lines}
), checked AS (
    SELECT *,
           t IS NULL OR NOT is_object
           OR {suspects} AS suspect
    FROM typed
), raw AS (
    SELECT *,
           CASE WHEN suspect THEN try(json_transform(text, {_struct(cols, raw=True)})) END AS r
    FROM checked
)
SELECT file_idx, line_no, seq, text,
       {values},
       CASE
           WHEN NOT suspect THEN ''
           WHEN r IS NULL AND NOT json_valid(text) THEN 'not valid JSON'
           WHEN r IS NULL OR NOT is_object THEN 'not a JSON object'
           ELSE coalesce(concat_ws('; ',
           {problems}
           ), '')
       END AS reason
FROM raw
"""
