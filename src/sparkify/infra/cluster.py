"""The Redshift cluster: create, read, pause, resume, delete, and which state allows what.

Created with the COPY role attached (and made its default role), ``ManageMasterPassword`` so AWS
Secrets Manager generates and rotates the admin password (no password is ever sent, stored or
printed), encryption on, private unless configured, and tagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from sparkify.errors import InfraError
from sparkify.infra.aws_errors import AwsCall
from sparkify.infra.models import ClusterState, SnapshotState
from sparkify.infra.settings import ClusterSettings
from sparkify.infra.tags import aws_tags, tag_dict
from sparkify.infra.waiting import EventSink, WaitPolicy, ignore_events, wait_until

# States waiting cannot fix: someone has to act (see the Redshift Management Guide).
FAILED_STATES = frozenset(
    {
        "hardware-failure",
        "incompatible-hsm",
        "incompatible-network",
        "incompatible-parameters",
        "incompatible-restore",
        "storage-full",
    }
)
STATUS_HINT = "Wait until `sparkify infra status` shows the cluster available, then re-run."


def is_available(status: str) -> bool:
    """``available`` (also ``available, prep-for-resize`` and the like)."""
    return status.startswith("available")


def _state(raw: Mapping[str, Any]) -> ClusterState:
    endpoint = raw.get("Endpoint") or {}
    return ClusterState(
        identifier=str(raw["ClusterIdentifier"]),
        status=str(raw.get("ClusterStatus", "unknown")),
        availability=raw.get("ClusterAvailabilityStatus"),
        node_type=str(raw.get("NodeType", "")),
        number_of_nodes=int(raw.get("NumberOfNodes", 0)),
        database=str(raw.get("DBName", "")),
        admin_user=str(raw.get("MasterUsername", "")),
        endpoint_address=endpoint.get("Address"),
        endpoint_port=endpoint.get("Port"),
        publicly_accessible=bool(raw.get("PubliclyAccessible")),
        encrypted=bool(raw.get("Encrypted")),
        iam_role_arns=tuple(str(r["IamRoleArn"]) for r in raw.get("IamRoles", [])),
        security_group_ids=tuple(
            str(g["VpcSecurityGroupId"]) for g in raw.get("VpcSecurityGroups", [])
        ),
        admin_secret_arn=raw.get("MasterPasswordSecretArn"),
        tags=tag_dict(raw.get("Tags")),
    )


def get_cluster(redshift: Any, settings: ClusterSettings) -> ClusterState | None:
    """The cluster as Redshift reports it now; None when it does not exist."""
    name = settings.identifier
    action = f"read Redshift cluster '{name}'"
    with AwsCall(action, settings.region, tolerate=["ClusterNotFound"]) as call:
        clusters = redshift.describe_clusters(ClusterIdentifier=name)["Clusters"]
    if call.tolerated or not clusters:
        return None
    return _state(clusters[0])


def create_cluster(
    redshift: Any,
    settings: ClusterSettings,
    *,
    role_arn: str,
    security_group_id: str,
    tags: Mapping[str, str],
) -> None:
    """Start creating the cluster (returns at once; see :func:`wait_for_status`)."""
    params: dict[str, Any] = {
        "ClusterIdentifier": settings.identifier,
        "NodeType": settings.node_type,
        "DBName": settings.database,
        "MasterUsername": settings.admin_user,
        "ManageMasterPassword": True,
        "Port": settings.port,
        "Encrypted": True,
        "PubliclyAccessible": settings.publicly_accessible,
        "VpcSecurityGroupIds": [security_group_id],
        "IamRoles": [role_arn],
        "DefaultIamRoleArn": role_arn,
        "Tags": aws_tags(tags),
    }
    if settings.number_of_nodes == 1:
        params["ClusterType"] = "single-node"
    else:
        params["ClusterType"] = "multi-node"
        params["NumberOfNodes"] = settings.number_of_nodes
    if settings.cluster_subnet_group:
        params["ClusterSubnetGroupName"] = settings.cluster_subnet_group
    action = f"create Redshift cluster '{settings.identifier}'"
    with AwsCall(action, settings.region, tolerate=["ClusterAlreadyExists"]):
        redshift.create_cluster(**params)


def attach_role(redshift: Any, settings: ClusterSettings, role_arn: str) -> None:
    """Attach the COPY role to an existing cluster that lacks it."""
    action = f"attach IAM role to cluster '{settings.identifier}'"
    with AwsCall(action, settings.region):
        redshift.modify_cluster_iam_roles(
            ClusterIdentifier=settings.identifier, AddIamRoles=[role_arn]
        )


def pause_cluster(redshift: Any, settings: ClusterSettings) -> None:
    """Ask Redshift to pause (returns at once)."""
    with AwsCall(f"pause cluster '{settings.identifier}'", settings.region):
        redshift.pause_cluster(ClusterIdentifier=settings.identifier)


def resume_cluster(redshift: Any, settings: ClusterSettings) -> None:
    """Ask Redshift to resume (returns at once)."""
    with AwsCall(f"resume cluster '{settings.identifier}'", settings.region):
        redshift.resume_cluster(ClusterIdentifier=settings.identifier)


def delete_cluster(redshift: Any, settings: ClusterSettings, final_snapshot: str | None) -> bool:
    """Ask Redshift to delete the cluster, with a final snapshot unless ``final_snapshot`` is
    None. False when the cluster was already gone."""
    params: dict[str, Any] = {"ClusterIdentifier": settings.identifier}
    if final_snapshot is None:
        params["SkipFinalClusterSnapshot"] = True
    else:
        params["SkipFinalClusterSnapshot"] = False
        params["FinalClusterSnapshotIdentifier"] = final_snapshot
    action = f"delete cluster '{settings.identifier}'"
    with AwsCall(action, settings.region, tolerate=["ClusterNotFound"]) as call:
        redshift.delete_cluster(**params)
    return call.tolerated is None


def final_snapshot_name(identifier: str, now: datetime) -> str:
    """``sparkify-final-20250101-120000`` (UTC): unique per second, valid as an identifier."""
    return f"{identifier}-final-{now:%Y%m%d-%H%M%S}"


def list_snapshots(redshift: Any, settings: ClusterSettings) -> tuple[SnapshotState, ...]:
    """Snapshots of this cluster (also after it was deleted), oldest first."""
    name = settings.identifier
    found: list[SnapshotState] = []
    tolerate = ["ClusterNotFound", "ClusterSnapshotNotFound"]
    with AwsCall(f"list snapshots of cluster '{name}'", settings.region, tolerate=tolerate):
        pages = redshift.get_paginator("describe_cluster_snapshots").paginate(
            ClusterIdentifier=name
        )
        for page in pages:
            for raw in page.get("Snapshots", []):
                if raw.get("ClusterIdentifier") != name:
                    continue  # moto answers every snapshot when none matches
                created = raw.get("SnapshotCreateTime")
                found.append(
                    SnapshotState(
                        identifier=str(raw["SnapshotIdentifier"]),
                        snapshot_type=str(raw.get("SnapshotType", "")),
                        status=str(raw.get("Status", "")),
                        created=created.isoformat() if isinstance(created, datetime) else None,
                    )
                )
    return tuple(sorted(found, key=lambda s: (s.created or "", s.identifier)))


def plan_pause(state: ClusterState) -> Literal["pause", "wait", "noop"]:
    """What ``infra pause`` should do in this state; InfraError when the state forbids it."""
    if state.status == "paused":
        return "noop"
    if state.status == "pausing":
        return "wait"
    if is_available(state.status):
        return "pause"
    raise _forbidden("pause", state)


def plan_resume(state: ClusterState) -> Literal["resume", "wait", "noop"]:
    """What ``infra resume`` should do in this state; InfraError when the state forbids it."""
    if is_available(state.status):
        return "noop"
    if state.status == "resuming":
        return "wait"
    if state.status == "paused":
        return "resume"
    raise _forbidden("resume", state)


def _forbidden(verb: str, state: ClusterState) -> InfraError:
    if state.status in FAILED_STATES:
        return InfraError(
            f"cannot {verb} cluster '{state.identifier}': it is in state '{state.status}'",
            "This needs attention in the Redshift console; see `sparkify infra status`.",
        )
    return InfraError(
        f"cannot {verb} cluster '{state.identifier}' while it is '{state.status}'",
        STATUS_HINT,
    )


def wait_for_status(
    redshift: Any,
    settings: ClusterSettings,
    target: Literal["available", "paused"],
    *,
    wait: WaitPolicy,
    events: EventSink = ignore_events,
) -> ClusterState:
    """Poll until the cluster is ``target``; InfraError on a failed state, on its disappearing,
    or after ``wait.timeout``."""

    def poll() -> ClusterState:
        state = get_cluster(redshift, settings)
        if state is None:
            raise InfraError(
                f"cluster '{settings.identifier}' disappeared while waiting for it to be {target}",
                "Run `sparkify infra status` to see what is left.",
            )
        if state.status in FAILED_STATES:
            raise _forbidden("wait for", state)
        return state

    def done(state: ClusterState) -> bool:
        return is_available(state.status) if target == "available" else state.status == target

    return wait_until(
        poll,
        done,
        describe=lambda state: state.status,
        what=f"cluster '{settings.identifier}' to be {target}",
        policy=wait,
        events=events,
    )


def wait_until_deleted(
    redshift: Any, settings: ClusterSettings, *, wait: WaitPolicy, events: EventSink
) -> None:
    """Poll until the cluster no longer exists."""
    wait_until(
        lambda: get_cluster(redshift, settings),
        lambda state: state is None,
        describe=lambda state: state.status if state else "gone",
        what=f"cluster '{settings.identifier}' to be deleted",
        policy=wait,
        events=events,
        hint="Deletion goes on in AWS; re-run `sparkify infra down` later to finish the rest.",
    )
