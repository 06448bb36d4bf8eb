"""The schema diagram: Mermaid and DOT drawn from the model, SVG/PNG through Graphviz, and the
README's copy kept in step with the model."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sparkify.cli import cli
from sparkify.errors import ConfigError, ExitCode
from sparkify.report.diagram import diagram, dot, mermaid, relationships
from sparkify.schema.model import ALL_TABLES, STAR_TABLES, Table
from tests.conftest import IN_CI
from tests.helpers import invoke
from tests.sample import ROOT

# The star schema's foreign keys, written out: a change in the model must show up here.
RELATIONSHIPS = {
    'time ||--o{ songplays : "start_time"',
    'users ||--o{ songplays : "user_id"',
    'songs |o--o{ songplays : "song_id"',
    'artists |o--o{ songplays : "artist_id"',
    'artists |o--o{ songs : "artist_id"',
}
# A line of the Mermaid erDiagram subset we emit.
MERMAID_LINE = re.compile(
    r"^(erDiagram"
    r"|    accTitle: .+|    accDescr: .+|    %%.*"
    r'|    \w+ (\|\||\|o)--o\{ \w+ : "\w+"'
    r'|    \w+(\["[^"]+"\])? \{'
    r'|        (bigint|integer|double|text|timestamp|varchar\(\d+\)) \w+( PK| FK| PK, FK)?( "[^"]*")?'
    r"|    \})$"
)


def needs_dot() -> str:
    """The `dot` program; a skip (a failure in CI) when Graphviz is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        if IN_CI:
            pytest.fail("Graphviz (dot) must be installed in CI: apt-get install graphviz")
        pytest.skip("Graphviz's dot is not installed")
    return exe


def entity(text: str, table: Table) -> list[str]:
    """The attribute lines of ``table``'s entity block in Mermaid ``text``."""
    match = re.search(rf"^    {table.name}(\[[^\]]*\])? \{{\n(.*?)\n    \}}$", text, re.M | re.S)
    assert match, f"no entity block for {table.name}"
    return [line.strip() for line in match.group(2).splitlines()]


def test_mermaid_has_every_star_table_column_type_and_key() -> None:
    text = mermaid()
    assert text.startswith("erDiagram\n")
    for table in STAR_TABLES:
        lines = entity(text, table)
        assert len(lines) == len(table.columns)
        for line, col in zip(lines, table.columns, strict=True):
            assert line.split()[:2] == [col.type.value, col.name]
            keys = [k for k in ("PK", "FK") if re.search(rf"\b{k}\b", line.split('"')[0])]
            assert keys == (["PK"] if col.primary_key else []) + (["FK"] if col.references else [])
    assert "staging_events" not in text and "load_errors" not in text


def test_mermaid_has_every_relationship_with_its_cardinality() -> None:
    lines = {ln.strip() for ln in mermaid().splitlines() if "--o{" in ln}
    assert lines == RELATIONSHIPS
    from_model = {(r.child, r.column.name, r.parent) for r in relationships()}
    expected = {
        (t.name, c.name, c.references[0]) for t in STAR_TABLES for c in t.columns if c.references
    }
    assert from_model == expected and len(expected) == len(RELATIONSHIPS)


def test_mermaid_is_valid_for_the_subset_of_the_grammar_it_uses() -> None:
    for text in (mermaid(), mermaid(physical=True), mermaid(tables=ALL_TABLES)):
        bad = [ln for ln in text.splitlines() if not MERMAID_LINE.match(ln)]
        assert bad == []


def test_mermaid_physical_shows_distribution_and_sort_keys() -> None:
    text = mermaid(physical=True)
    assert '    songplays["songplays (DISTSTYLE KEY)"] {' in text
    assert '    time["time (DISTSTYLE AUTO)"] {' in text
    assert 'timestamp start_time FK "SORTKEY"' in entity(text, STAR_TABLES[0])
    assert 'integer user_id FK "DISTKEY"' in entity(text, STAR_TABLES[0])
    assert 'integer user_id PK "DISTKEY; SORTKEY"' in entity(text, STAR_TABLES[1])
    assert "DISTKEY" not in mermaid()


def test_dot_has_every_table_column_and_crows_foot_edge() -> None:
    text = dot(physical=True)
    for table in STAR_TABLES:
        assert f'    "{table.name}" [label=<<table' in text
        assert f"<b>{table.name}</b>" in text
        for col in table.columns:
            assert f'<td port="{col.name}_in" align="left">' in text
    edges = re.findall(r'^    "(\w+)":"(\w+)_out":e -> "(\w+)":"(\w+)_in":w \[(.*)\];$', text, re.M)
    assert {(c, col, p, pc) for c, col, p, pc, _ in edges} == {
        ("songplays", "start_time", "time", "start_time"),
        ("songplays", "user_id", "users", "user_id"),
        ("songplays", "song_id", "songs", "song_id"),
        ("songplays", "artist_id", "artists", "artist_id"),
        ("songs", "artist_id", "artists", "artist_id"),
    }
    heads = {(c, col): re.findall(r"arrowhead=(\w+)", attrs) for c, col, _, _, attrs in edges}
    assert heads[("songplays", "user_id")] == ["teetee"]
    assert heads[("songplays", "song_id")] == ["teeodot"]
    assert "DISTSTYLE KEY" in text and "FK DK" in text and "DISTSTYLE" not in dot()


def test_svg_and_png_through_graphviz() -> None:
    needs_dot()
    svg = diagram("svg", physical=True).decode()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    for table in STAR_TABLES:
        assert f">{table.name}</text>" in svg
    assert svg.count('class="edge"') == len(RELATIONSHIPS)
    png = diagram("png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_svg_without_graphviz_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError) as err:
        diagram("svg")
    assert "needs Graphviz's `dot` program" in err.value.message
    assert err.value.hint is not None and "apt-get install graphviz" in err.value.hint
    assert diagram("mermaid") == mermaid().encode()  # text formats need nothing


def test_cli_prints_mermaid_and_writes_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["diagram"])
    assert result.exit_code == 0 and result.stdout == mermaid()
    result = CliRunner().invoke(cli, ["diagram", "--format", "dot", "--physical", "--all-tables"])
    assert result.stdout == dot(physical=True, tables=ALL_TABLES)
    if shutil.which("dot"):
        out = tmp_path / "schema.png"
        assert invoke("diagram", "--format", "png", "-o", str(out)).exit_code == 0
        assert out.read_bytes()[:4] == b"\x89PNG"


def test_cli_without_graphviz_exits_with_usage_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    outcome = invoke("diagram", "--format", "svg", "-o", str(tmp_path / "x.svg"))
    assert outcome.exit_code == ExitCode.USAGE
    assert not (tmp_path / "x.svg").exists()


def test_readme_diagram_is_the_models() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", readme, re.M | re.S)
    assert blocks, "README.md has no ```mermaid block: paste the output of `sparkify diagram`"
    assert mermaid() in blocks, (
        "README.md's Mermaid diagram is out of date with the schema model: replace it with "
        "the output of `sparkify diagram`"
    )


@pytest.mark.skipif(os.name != "posix", reason="PATH handling differs")
def test_dot_failure_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'Error: syntax error in line 1' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="Error: syntax error in line 1"):
        diagram("svg")
