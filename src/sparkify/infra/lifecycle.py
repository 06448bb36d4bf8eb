"""``sparkify infra up | status | pause | resume | down`` as library functions.

Each takes the settings and the AWS clients (see :func:`sparkify.infra.clients.make_clients`),
reports progress through an ``events`` callback, waits through a :class:`WaitPolicy`, and
returns a result dataclass. Every step reads the current state first, so each command is safe
to re-run after a success or after a failure at any step: what exists is kept, what is missing
is made, and nothing is created twice.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sparkify.errors import ConfigError, InfraError
from sparkify.infra import cluster as rs
from sparkify.infra import network, role
from sparkify.infra.clients import AwsClients, CallerIdentity, caller_identity
from sparkify.infra.models import (
    ClusterState,
    DownResult,
    PowerResult,
    ResourceChange,
    StatusReport,
    UpResult,
)
from sparkify.infra.public_ip import CidrChoice, Fetch, choose_allow_cidr, fetch_text
from sparkify.infra.settings import ClusterSettings
from sparkify.infra.tags import require_ours, resource_tags
from sparkify.infra.waiting import EventSink, InfraEvent, WaitPolicy, ignore_events

Confirm = Callable[[str], bool]


def wait_policy(settings: ClusterSettings) -> WaitPolicy:
    """The real-clock policy from ``wait_timeout`` and ``poll_interval``."""
    return WaitPolicy(timeout=settings.wait_timeout, interval=settings.poll_interval)


def _report(events: EventSink, changes: Iterable[ResourceChange]) -> None:
    for change in changes:
        detail = f" ({change.detail})" if change.detail else ""
        events(InfraEvent("step", f"{change.kind} {change.name}: {change.action}{detail}"))


def _utcnow() -> datetime:
    return datetime.now(UTC)


# -- up ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Preflight:
    """What ``up`` learns before it changes anything."""

    caller: CallerIdentity
    choice: CidrChoice
    vpc: network.Vpc
    existing: ClusterState | None


def _preflight(
    settings: ClusterSettings, clients: AwsClients, fetch_ip: Fetch, events: EventSink
) -> _Preflight:
    """Read-only checks: credentials, the allowed range, the VPC, the existing cluster."""
    caller = caller_identity(clients)
    choice = choose_allow_cidr(settings, fetch_ip)
    if choice.warning:
        events(InfraEvent("warning", choice.warning))
    events(InfraEvent("step", f"allowing {choice.cidr} ({choice.source})"))
    vpc = network.find_vpc(clients.ec2, settings)
    if not vpc.is_default and not settings.cluster_subnet_group:
        raise ConfigError(
            f"VPC {vpc.vpc_id} is not the default VPC, so the cluster needs a subnet group",
            "Set cluster_subnet_group in [cluster] to a Redshift subnet group of that VPC.",
        )
    existing = rs.get_cluster(clients.redshift, settings)
    if existing is not None:
        require_ours("Redshift cluster", existing.identifier, existing.tags, "identifier")
    return _Preflight(caller, choice, vpc, existing)


def up(
    settings: ClusterSettings,
    clients: AwsClients,
    *,
    events: EventSink = ignore_events,
    wait: WaitPolicy | None = None,
    fetch_ip: Fetch = fetch_text,
    confirm: Confirm | None = None,
) -> UpResult:
    """Create (or complete) the role, the security group and the cluster; wait until the
    cluster is available. ``confirm`` is asked before a new cluster is created (the only
    billable step); nothing is created when it answers False."""
    pre = _preflight(settings, clients, fetch_ip, events)
    if pre.existing is None and confirm is not None and not confirm(_create_question(settings)):
        raise InfraError("cancelled: nothing was created", "Re-run and confirm, or pass --yes.")
    tags = resource_tags(settings, pre.caller.arn)
    role_state, changes = role.ensure_role(clients.iam, settings, tags)
    group, group_changes = network.ensure_security_group(
        clients.ec2, settings, pre.vpc, pre.choice.cidr, tags
    )
    changes += group_changes
    _report(events, changes)
    cluster_changes = _ensure_cluster(
        clients, settings, pre.existing, role_state.arn, group.group_id, tags
    )
    _report(events, cluster_changes)
    policy = wait or wait_policy(settings)
    state = rs.wait_for_status(clients.redshift, settings, "available", wait=policy, events=events)
    if role_state.arn not in state.iam_role_arns:
        # Someone detached it. Only an available cluster can be modified, hence after the wait.
        rs.attach_role(clients.redshift, settings, role_state.arn)
        cluster_changes.append(ResourceChange("cluster-role", role_state.arn, "attached"))
        _report(events, cluster_changes[-1:])
        state = rs.wait_for_status(
            clients.redshift, settings, "available", wait=policy, events=events
        )
    drift = _drift_warnings(settings, state, group.group_id)
    for warning in drift:
        events(InfraEvent("warning", warning))
    url = target_url(settings, state, role_state.arn)
    return UpResult(
        changes=tuple(changes + cluster_changes),
        cluster=state,
        role_arn=role_state.arn,
        security_group_id=group.group_id,
        allow_cidr=pre.choice.cidr,
        allow_cidr_source=pre.choice.source,
        target_url=url,
        next_command=next_command(settings, url),
        warnings=tuple(filter(None, [pre.choice.warning, *drift])),
        notes=tuple(_notes(state, pre)),
    )


def _notes(state: ClusterState, pre: _Preflight) -> list[str]:
    if state.publicly_accessible:
        return []
    return [
        f"the cluster is private: connect from inside {pre.vpc.vpc_id} (VPN, bastion or SSM "
        f"port forwarding), or set publicly_accessible = true to reach it from {pre.choice.cidr}"
    ]


def _create_question(settings: ClusterSettings) -> str:
    return (
        f"Create Redshift cluster '{settings.identifier}' ({settings.number_of_nodes} x "
        f"{settings.node_type}) in {settings.region}? It is billed per node-hour until you run "
        "`sparkify infra pause` or `sparkify infra down`."
    )


def _ensure_cluster(
    clients: AwsClients,
    settings: ClusterSettings,
    existing: ClusterState | None,
    role_arn: str,
    group_id: str,
    tags: dict[str, str],
) -> list[ResourceChange]:
    name = settings.identifier
    if existing is None:
        rs.create_cluster(
            clients.redshift, settings, role_arn=role_arn, security_group_id=group_id, tags=tags
        )
        detail = (
            f"{settings.number_of_nodes} x {settings.node_type}, admin password in Secrets Manager"
        )
        return [ResourceChange("cluster", name, "created", detail)]
    if existing.status in {"deleting", "final-snapshot"}:
        raise InfraError(
            f"cluster '{name}' is being deleted",
            "Wait until `sparkify infra status` no longer shows it, then re-run `infra up`.",
        )
    if existing.status == "pausing":
        raise InfraError(f"cluster '{name}' is pausing", "Re-run `sparkify infra up` once paused.")
    changes = [ResourceChange("cluster", name, "exists", existing.status)]
    if existing.paused:
        rs.resume_cluster(clients.redshift, settings)
        changes.append(ResourceChange("cluster", name, "resumed", "it was paused"))
    return changes


def _drift_warnings(settings: ClusterSettings, state: ClusterState, group_id: str) -> list[str]:
    """Differences between an existing cluster and the settings (``up`` never resizes)."""
    found = []
    wanted = (settings.node_type, settings.number_of_nodes)
    if (state.node_type, state.number_of_nodes) != wanted:
        found.append(
            f"cluster has {state.number_of_nodes} x {state.node_type}, settings say "
            f"{settings.number_of_nodes} x {settings.node_type}; `infra up` does not resize"
        )
    if group_id not in state.security_group_ids:
        found.append(f"cluster does not use security group {group_id}")
    if state.publicly_accessible != settings.publicly_accessible:
        found.append(
            f"cluster publicly_accessible is {state.publicly_accessible}, settings say "
            f"{settings.publicly_accessible}"
        )
    if not state.encrypted:
        found.append("cluster is not encrypted")
    return found


def target_url(settings: ClusterSettings, state: ClusterState, role_arn: str) -> str:
    """The ``--target`` URL for ``sparkify run``: IAM authentication (no password), the COPY
    role as a query parameter."""
    host = state.endpoint_address or f"{settings.identifier}.<pending>"
    port = state.endpoint_port or settings.port
    return f"redshift://{state.admin_user}@{host}:{port}/{state.database}?iam_role={role_arn}"


def next_command(settings: ClusterSettings, url: str) -> str:
    """The exact ``sparkify run`` line to use next."""
    parts = ["sparkify", "run"]
    if len(settings.source_buckets) == 1:
        bucket, prefix = settings.s3_locations[0]
        parts += ["--source", f"s3://{bucket}/{prefix}".rstrip("/")]
    parts += ["--target", url]
    return shlex.join(parts)


# -- status, pause, resume -----------------------------------------------------------------------


def status(settings: ClusterSettings, clients: AwsClients) -> StatusReport:
    """The current state of every resource (``None`` for a missing one) and the snapshots."""
    vpc_id = network.lookup_vpc_id(clients.ec2, settings)
    return StatusReport(
        region=settings.region,
        identifier=settings.identifier,
        role=role.get_role(clients.iam, settings),
        security_group=network.get_security_group(clients.ec2, settings, vpc_id),
        cluster=rs.get_cluster(clients.redshift, settings),
        snapshots=rs.list_snapshots(clients.redshift, settings),
    )


def _require_cluster(clients: AwsClients, settings: ClusterSettings) -> ClusterState:
    state = rs.get_cluster(clients.redshift, settings)
    if state is None:
        raise InfraError(
            f"there is no cluster '{settings.identifier}' in {settings.region}",
            "Check --identifier and --region, or create it with `sparkify infra up`.",
        )
    return state


def _power(
    settings: ClusterSettings,
    clients: AwsClients,
    action: str,
    events: EventSink,
    wait: WaitPolicy | None,
) -> PowerResult:
    """Pause or resume (``action``), then wait for the state that action leads to."""
    pausing = action == "pause"
    state = _require_cluster(clients, settings)
    plan = rs.plan_pause(state) if pausing else rs.plan_resume(state)
    goal: Literal["available", "paused"] = "paused" if pausing else "available"
    if plan == "noop":
        events(InfraEvent("step", f"cluster {state.identifier}: already {goal}"))
        return PowerResult(state.identifier, f"already {goal}", state)
    if plan == action:
        (rs.pause_cluster if pausing else rs.resume_cluster)(clients.redshift, settings)
        events(
            InfraEvent(
                "step", f"cluster {state.identifier}: {'pausing' if pausing else 'resuming'}"
            )
        )
    policy = wait or wait_policy(settings)
    final = rs.wait_for_status(clients.redshift, settings, goal, wait=policy, events=events)
    return PowerResult(state.identifier, "paused" if pausing else "resumed", final)


def pause(
    settings: ClusterSettings,
    clients: AwsClients,
    *,
    events: EventSink = ignore_events,
    wait: WaitPolicy | None = None,
) -> PowerResult:
    """Stop compute billing, keeping the data; wait until the cluster is paused."""
    return _power(settings, clients, "pause", events, wait)


def resume(
    settings: ClusterSettings,
    clients: AwsClients,
    *,
    events: EventSink = ignore_events,
    wait: WaitPolicy | None = None,
) -> PowerResult:
    """Start compute again; wait until the cluster is available."""
    return _power(settings, clients, "resume", events, wait)


# -- down ----------------------------------------------------------------------------------------


def down(
    settings: ClusterSettings,
    clients: AwsClients,
    *,
    skip_final_snapshot: bool = False,
    events: EventSink = ignore_events,
    wait: WaitPolicy | None = None,
    now: Callable[[], datetime] = _utcnow,
) -> DownResult:
    """Delete the cluster (final snapshot unless skipped) and wait until it is gone, then the
    security group and the role. What is already gone is reported as ``absent``."""
    policy = wait or wait_policy(settings)
    caller_identity(clients)
    vpc_id = network.lookup_vpc_id(clients.ec2, settings)
    state = _check_all_ours(clients, settings, vpc_id)
    changes: list[ResourceChange] = []
    snapshot = None
    if state is None:
        changes.append(ResourceChange("cluster", settings.identifier, "absent", "already gone"))
    else:
        detail = "its deletion was already under way"
        if state.status not in {"deleting", "final-snapshot"}:
            if not skip_final_snapshot:
                snapshot = rs.final_snapshot_name(state.identifier, now())
            rs.delete_cluster(clients.redshift, settings, snapshot)
            events(InfraEvent("step", f"cluster {state.identifier}: deleting"))
            detail = f"final snapshot {snapshot}" if snapshot else "no final snapshot"
        rs.wait_until_deleted(clients.redshift, settings, wait=policy, events=events)
        changes.append(ResourceChange("cluster", state.identifier, "deleted", detail))
    _report(events, changes)
    group_change = network.delete_security_group(
        clients.ec2, settings, vpc_id, wait=policy, events=events
    )
    role_change = role.delete_role(clients.iam, settings)
    _report(events, [group_change, role_change])
    return DownResult(changes=(*changes, group_change, role_change), final_snapshot=snapshot)


def _check_all_ours(
    clients: AwsClients, settings: ClusterSettings, vpc_id: str | None
) -> ClusterState | None:
    """Refuse before deleting anything if one of the three was not created by sparkify."""
    state = rs.get_cluster(clients.redshift, settings)
    if state is not None:
        require_ours("Redshift cluster", state.identifier, state.tags, "identifier")
    group = network.get_security_group(clients.ec2, settings, vpc_id)
    if group is not None:
        require_ours("security group", group.name, group.tags, "security_group_name")
    role_state = role.get_role(clients.iam, settings)
    if role_state is not None:
        require_ours("IAM role", role_state.name, role_state.tags, "role_name")
    return state
