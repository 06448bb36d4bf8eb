"""What ``sparkify infra`` reports: the state of each resource and what a command changed.

Plain frozen dataclasses (JSON-friendly through :func:`dataclasses.asdict`); the command line
renders them, the library never prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceChange:
    """One thing a command did (or found already done) to one resource."""

    kind: str  # "iam-role" | "role-policy" | "security-group" | "ingress-rule" | "cluster" | ...
    name: str
    action: str  # "created" | "exists" | "updated" | "revoked" | "deleted" | "absent" | ...
    detail: str = ""


@dataclass(frozen=True)
class RoleState:
    """The COPY role as AWS reports it."""

    name: str
    arn: str
    trusted_service: str
    policy_names: tuple[str, ...]
    policy_document: Mapping[str, object] | None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IngressRule:
    """One inbound rule of the security group."""

    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str


@dataclass(frozen=True)
class SecurityGroupState:
    """The cluster's security group as EC2 reports it."""

    group_id: str
    name: str
    vpc_id: str
    ingress: tuple[IngressRule, ...]
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterState:
    """The cluster as Redshift reports it (never a password: there is none to report)."""

    identifier: str
    status: str
    availability: str | None
    node_type: str
    number_of_nodes: int
    database: str
    admin_user: str
    endpoint_address: str | None
    endpoint_port: int | None
    publicly_accessible: bool
    encrypted: bool
    iam_role_arns: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    admin_secret_arn: str | None
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def paused(self) -> bool:
        """True when compute is stopped (only storage is billed)."""
        return self.status == "paused"


@dataclass(frozen=True)
class SnapshotState:
    """A snapshot of the cluster (automated or manual, e.g. the final one of ``infra down``)."""

    identifier: str
    snapshot_type: str
    status: str
    created: str | None


@dataclass(frozen=True)
class StatusReport:
    """Everything ``infra status`` shows; ``None`` means the resource does not exist."""

    region: str
    identifier: str
    role: RoleState | None
    security_group: SecurityGroupState | None
    cluster: ClusterState | None
    snapshots: tuple[SnapshotState, ...]


@dataclass(frozen=True)
class UpResult:
    """What ``infra up`` did and how to use the cluster next."""

    changes: tuple[ResourceChange, ...]
    cluster: ClusterState
    role_arn: str
    security_group_id: str
    allow_cidr: str
    allow_cidr_source: str
    target_url: str
    next_command: str
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PowerResult:
    """What ``infra pause`` / ``infra resume`` did."""

    identifier: str
    action: str  # "paused" | "resumed" | "already paused" | "already available"
    cluster: ClusterState


@dataclass(frozen=True)
class DownResult:
    """What ``infra down`` deleted, found already gone, or kept."""

    changes: tuple[ResourceChange, ...]
    final_snapshot: str | None
