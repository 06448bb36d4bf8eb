"""DuckDB SQL over raw JSON text, shared by every parser of input records.

NUL characters (U+0000) cannot be stored by PostgreSQL or loaded by Redshift's COPY, so no
target keeps them: the same input gives the same rows everywhere.
They are removed from a record's JSON text before it is parsed, so a field is checked, typed
and matched without them.
"""

from __future__ import annotations


def without_nul(json_text: str) -> str:
    """SQL for the JSON text ``json_text`` with every NUL character (the escape ``\\u0000``;
    a raw NUL byte is not valid JSON) removed. The pattern consumes escapes whole, so an
    escaped backslash followed by ``u0000`` is text and stays. Only text holding the escape
    pays for the regular expression."""
    return (
        rf"CASE WHEN contains({json_text}, '\u0000') "
        rf"THEN regexp_replace({json_text}, '\\u0000|(\\.)', '\1', 'g') ELSE {json_text} END"
    )
