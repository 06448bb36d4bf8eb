"""``sparkify infra up | status | pause | resume | down``: the Redshift cluster as code.

A thin layer: parse flags, load :class:`~sparkify.infra.ClusterSettings`, make the AWS
clients, call ONE library function, render its result. Data (tables, JSON, the next command)
goes to stdout; progress, warnings and questions go to stderr. ``SparkifyError`` propagates to
``sparkify.cli.main``, which prints it and exits with its code.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from sparkify.cli.options import FullHelpGroup
from sparkify.cli.render import UncutConsole, warn
from sparkify.infra import (
    ClusterSettings,
    ClusterState,
    InfraEvent,
    StatusReport,
    load_cluster_settings,
    make_clients,
)
from sparkify.infra import lifecycle as infra_lib
from sparkify.infra.role import policy_summary
from sparkify.infra.settings import env_warnings
from sparkify.infra.waiting import format_seconds

F = TypeVar("F", bound=Callable[..., Any])

_COMMON_OPTIONS = [
    click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Config file whose [cluster] table to read (default: ./sparkify.toml).",
    ),
    click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout."),
    click.option("--identifier", help="Cluster identifier (default: sparkify)."),
    click.option("--region", help="AWS region (default: us-west-2)."),
    click.option(
        "--endpoint-url",
        help="Send every AWS call to this URL (e.g. a local moto server); "
        "AWS_ENDPOINT_URL is honoured too.",
    ),
    click.option("-q", "--quiet", is_flag=True, help="No progress lines (warnings still show)."),
    click.option("--debug", is_flag=True, help="Show tracebacks for errors."),
]


def _common(command: F) -> F:
    for option in reversed(_COMMON_OPTIONS):
        command = option(command)
    return command


def _yes(command: F) -> F:
    """--yes, for the commands that ask before they create or delete."""
    return click.option("--yes", "-y", is_flag=True, help="Never ask for confirmation.")(command)


def _timeout(command: F) -> F:
    """--timeout, for the commands that wait for the cluster."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        help="Seconds to wait for the cluster before giving up (default: 1800).",
    )(command)


def _settings(options: dict[str, Any], **extra: object) -> ClusterSettings:
    overrides = {
        "identifier": options.get("identifier"),
        "region": options.get("region"),
        "endpoint_url": options.get("endpoint_url"),
        "wait_timeout": options.get("timeout"),
        **extra,
    }
    settings = load_cluster_settings(options.get("config"), os.environ, overrides)
    for line in env_warnings():
        warn(line)
    return settings


def _stdout() -> Console:
    return UncutConsole(highlight=False)


class _Progress:
    """Renders library events on stderr: a line per step, a live spinner while waiting."""

    def __init__(self, quiet: bool = False) -> None:
        self.console = UncutConsole(stderr=True, highlight=False)
        self.quiet = quiet
        self._status: Status | None = None
        self._last_wait = ""

    def __call__(self, event: InfraEvent) -> None:
        if self.quiet and event.kind != "warning":
            return
        if event.kind == "wait":
            text = f"{event.message} ({format_seconds(event.elapsed or 0.0)})"
            if self.console.is_terminal:
                if self._status is None:
                    self._status = self.console.status(escape(text))
                    self._status.start()
                else:
                    self._status.update(escape(text))
            elif event.message != self._last_wait:
                self.console.print(escape(text))
            self._last_wait = event.message
            return
        self.stop()
        if event.kind == "warning":
            self.console.print(f"[bold yellow]warning:[/] {escape(event.message)}")
        else:
            self.console.print(f"[green]✓[/] {escape(event.message)}")

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, ClusterState):
            out["paused"] = value.paused
        return out
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(_jsonable(value), indent=2))


@click.group("infra", cls=FullHelpGroup)
def infra() -> None:
    """Create, inspect, pause, resume and delete the Redshift cluster (with its IAM role and
    security group). Settings come from [cluster] in sparkify.toml, SPARKIFY_CLUSTER_*
    variables and flags; every subcommand works with no config file.

    \b
    Example session:
      sparkify infra up --allow-cidr 203.0.113.7/32 --yes
      sparkify run --target 'redshift://...'      (the line `infra up` prints)
      sparkify infra pause
      sparkify infra down --yes

    Exit codes: 0 done; 2 bad settings (e.g. no --allow-cidr and your address could not be
    found); 6 AWS failure (credentials, access denied, quota, a cluster state that forbids the
    action, timeout); 130 declined at a confirmation or interrupted.
    """


@infra.command("up")
@_common
@_yes
@_timeout
@click.option(
    "--allow-cidr",
    help="IPv4 range allowed on the cluster port, e.g. 203.0.113.7/32 "
    "(default: your public address as /32).",
)
@click.option("--node-type", help="Redshift node type (default: ra3.large).")
@click.option("--nodes", type=click.IntRange(1, 128), help="Number of nodes (default: 2).")
def up_command(
    allow_cidr: str | None, node_type: str | None, nodes: int | None, **options: Any
) -> None:
    """Create the IAM role, security group and cluster (or finish a partial setup), wait until
    the cluster is available, then print its endpoint and the `sparkify run` line to use.
    Safe to re-run: nothing is created twice.

    \b
    Example:
      sparkify infra up --allow-cidr 203.0.113.7/32 --yes
    """
    settings = _settings(options, allow_cidr=allow_cidr, node_type=node_type, number_of_nodes=nodes)
    clients = make_clients(settings)
    with _Progress(options["quiet"]) as progress:
        result = infra_lib.up(settings, clients, events=progress, confirm=_confirm(options))
        for note in () if options["quiet"] else result.notes:
            progress.console.print(f"note: {escape(note)}")
    if options["as_json"]:
        _echo_json(result)
        return
    cluster = result.cluster
    click.echo(f"endpoint: {cluster.endpoint_address}:{cluster.endpoint_port}")
    click.echo(f"next: {result.next_command}")


def _confirm(options: dict[str, Any]) -> Callable[[str], bool] | None:
    if options["yes"]:
        return None
    return lambda question: click.confirm(question, default=False, abort=True, err=True)


@infra.command("status")
@_common
def status_command(**options: Any) -> None:
    """Show the role, the security group and its rules, the cluster (state, endpoint, nodes,
    paused or not) and its snapshots. Missing resources are shown as missing.

    \b
    Example:
      sparkify infra status --json
    """
    settings = _settings(options)
    report = infra_lib.status(settings, make_clients(settings))
    if options["as_json"]:
        _echo_json(report)
        return
    _stdout().print(_status_table(report))


def _status_table(report: StatusReport) -> Table:
    table = Table(title=f"sparkify infra: {report.identifier} in {report.region}")
    for column in ("resource", "name", "state", "details"):
        table.add_column(column)
    role, group, cluster = report.role, report.security_group, report.cluster
    if role is None:
        table.add_row("IAM role", "-", "missing", "")
    else:
        policy = policy_summary(role.policy_document) if role.policy_document else "no policy"
        table.add_row(
            "IAM role", role.name, "present", f"trusted by {role.trusted_service}; {policy}"
        )
    if group is None:
        table.add_row("security group", "-", "missing", "")
    else:
        rules = ", ".join(f"{r.protocol}/{r.from_port} from {r.cidr}" for r in group.ingress)
        table.add_row(
            "security group", f"{group.name} ({group.group_id})", "present", rules or "no ingress"
        )
    if cluster is None:
        table.add_row("cluster", report.identifier, "missing", "")
    else:
        table.add_row("cluster", cluster.identifier, cluster.status, _cluster_details(cluster))
    for snap in report.snapshots:
        table.add_row(
            "snapshot", snap.identifier, snap.status, f"{snap.snapshot_type}, {snap.created}"
        )
    return table


def _cluster_details(cluster: ClusterState) -> str:
    endpoint = (
        f"{cluster.endpoint_address}:{cluster.endpoint_port}" if cluster.endpoint_address else "-"
    )
    return (
        f"{cluster.number_of_nodes} x {cluster.node_type}; endpoint {endpoint}; "
        f"{'paused' if cluster.paused else 'not paused'}; "
        f"{'encrypted' if cluster.encrypted else 'NOT encrypted'}; "
        f"{'public' if cluster.publicly_accessible else 'private'}"
    )


@infra.command("pause")
@_common
@_timeout
def pause_command(**options: Any) -> None:
    """Pause the cluster: compute billing stops, data and endpoint are kept. Waits until it
    is paused. A cluster that is creating or changing cannot be paused yet.

    \b
    Example:
      sparkify infra pause
    """
    settings = _settings(options)
    with _Progress(options["quiet"]) as progress:
        result = infra_lib.pause(settings, make_clients(settings), events=progress)
    if options["as_json"]:
        _echo_json(result)
    else:
        click.echo(f"cluster {result.identifier}: {result.action}")


@infra.command("resume")
@_common
@_timeout
def resume_command(**options: Any) -> None:
    """Resume a paused cluster and wait until it is available again.

    \b
    Example:
      sparkify infra resume
    """
    settings = _settings(options)
    with _Progress(options["quiet"]) as progress:
        result = infra_lib.resume(settings, make_clients(settings), events=progress)
    if options["as_json"]:
        _echo_json(result)
    else:
        click.echo(f"cluster {result.identifier}: {result.action}")


@infra.command("down")
@_common
@_yes
@_timeout
@click.option(
    "--skip-final-snapshot",
    is_flag=True,
    help="Delete without a final snapshot (the data cannot be recovered).",
)
def down_command(skip_final_snapshot: bool, **options: Any) -> None:
    """Delete the cluster (after a final snapshot named with a timestamp, unless
    --skip-final-snapshot), wait until it is gone, then delete the security group and the
    IAM role. Asks first unless --yes. Safe to re-run: what is already gone is reported.

    \b
    Example:
      sparkify infra down --yes
    """
    settings = _settings(options)
    if not options["yes"]:
        snapshot = "WITHOUT a final snapshot" if skip_final_snapshot else "after a final snapshot"
        click.confirm(
            f"Delete cluster '{settings.identifier}' in {settings.region} {snapshot}, then its "
            f"security group '{settings.security_group_name}' and role '{settings.role_name}'?",
            default=False,
            abort=True,
            err=True,
        )
    with _Progress(options["quiet"]) as progress:
        result = infra_lib.down(
            settings,
            make_clients(settings),
            skip_final_snapshot=skip_final_snapshot,
            events=progress,
        )
    if options["as_json"]:
        _echo_json(result)
        return
    for change in result.changes:
        detail = f" ({change.detail})" if change.detail else ""
        click.echo(f"{change.kind} {change.name}: {change.action}{detail}")
    if result.final_snapshot:
        click.echo(f"final snapshot: {result.final_snapshot}")
