"""The Redshift cluster as code: ``up``, ``status``, ``pause``, ``resume``, ``down``.

A library, not a command line: functions take :class:`ClusterSettings` and :class:`AwsClients`
(made once by :func:`make_clients`), report progress to an optional callback, wait through a
:class:`WaitPolicy` (injectable clock), and return result dataclasses. Nothing here prints,
imports click or rich, or creates AWS clients at import time; boto3 is needed only when
:func:`make_clients` is called.

Example::

    from sparkify.infra import ClusterSettings, make_clients, up, pause

    settings = ClusterSettings(allow_cidr="203.0.113.7/32")
    clients = make_clients(settings)
    result = up(settings, clients, events=print)
    print(result.next_command)
    pause(settings, clients)
"""

from __future__ import annotations

from sparkify.infra.clients import AwsClients, CallerIdentity, caller_identity, make_clients
from sparkify.infra.lifecycle import down, pause, resume, status, up, wait_policy
from sparkify.infra.models import (
    ClusterState,
    DownResult,
    IngressRule,
    PowerResult,
    ResourceChange,
    RoleState,
    SecurityGroupState,
    SnapshotState,
    StatusReport,
    UpResult,
)
from sparkify.infra.public_ip import CidrChoice, choose_allow_cidr
from sparkify.infra.role import s3_read_policy, trust_policy
from sparkify.infra.settings import ClusterSettings, load_cluster_settings
from sparkify.infra.waiting import EventSink, InfraEvent, WaitPolicy

__all__ = [
    "AwsClients",
    "CallerIdentity",
    "CidrChoice",
    "ClusterSettings",
    "ClusterState",
    "DownResult",
    "EventSink",
    "InfraEvent",
    "IngressRule",
    "PowerResult",
    "ResourceChange",
    "RoleState",
    "SecurityGroupState",
    "SnapshotState",
    "StatusReport",
    "UpResult",
    "WaitPolicy",
    "caller_identity",
    "choose_allow_cidr",
    "down",
    "load_cluster_settings",
    "make_clients",
    "pause",
    "resume",
    "s3_read_policy",
    "status",
    "trust_policy",
    "up",
    "wait_policy",
]
