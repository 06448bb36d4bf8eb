"""up -> status -> pause -> resume -> down against moto, with every resource read back.

What moto cannot show, and how it is covered instead: moto reports a new cluster ``available``
at once (so waiting is tested with a fake clock here and in test_waiting.py), and
``ManageMasterPassword`` creates no secret there (so the create request itself is inspected).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from sparkify.errors import ConfigError, InfraError
from sparkify.infra import (
    AwsClients,
    ClusterSettings,
    InfraEvent,
    down,
    pause,
    resume,
    s3_read_policy,
    status,
    up,
)
from sparkify.infra import cluster as rs
from sparkify.infra import role as role_mod
from sparkify.infra.tags import resource_tags

from .conftest import TEST_CIDR, UNREACHABLE_URL, Aws, ClientsFor, FakeClock

pytestmark = pytest.mark.aws

ROLE = "sparkify-redshift-s3-read"
GROUP = "sparkify-redshift"


def _tags(raw: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in raw}


def _groups(aws: Aws) -> list[dict[str, Any]]:
    answer = aws.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [GROUP]}])
    groups: list[dict[str, Any]] = answer["SecurityGroups"]
    return groups


def _roles(aws: Aws) -> list[str]:
    return [r["RoleName"] for r in aws.iam.list_roles()["Roles"] if r["RoleName"] == ROLE]


def _clusters(aws: Aws) -> list[dict[str, Any]]:
    clusters: list[dict[str, Any]] = aws.redshift.describe_clusters()["Clusters"]
    return clusters


def _port_rules(group: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    return [
        (p["IpProtocol"], p["FromPort"], p["ToPort"], r["CidrIp"])
        for p in group["IpPermissions"]
        for r in p["IpRanges"]
    ]


def test_full_lifecycle(
    settings: ClusterSettings, clients: AwsClients, aws: Aws, fake_clock: FakeClock
) -> None:
    events: list[InfraEvent] = []
    result = up(settings, clients, events=events.append, wait=fake_clock.policy())

    # The role: trusted by Redshift, exactly our bucket-scoped inline policy, nothing attached.
    role = aws.iam.get_role(RoleName=ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "redshift.amazonaws.com"
    }
    assert aws.iam.list_role_policies(RoleName=ROLE)["PolicyNames"] == ["sparkify-s3-read"]
    assert aws.iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"] == []
    document = aws.iam.get_role_policy(RoleName=ROLE, PolicyName="sparkify-s3-read")
    assert document["PolicyDocument"] == s3_read_policy(settings)
    assert set(_tags(role["Tags"])) == {"project", "owner", "created-by"}

    # The security group: in the default VPC, port 5439 from the given range only.
    (group,) = _groups(aws)
    default_vpc = aws.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])
    assert group["VpcId"] == default_vpc["Vpcs"][0]["VpcId"]
    assert _port_rules(group) == [("tcp", 5439, 5439, TEST_CIDR)]
    assert _tags(group["Tags"])["created-by"] == "sparkify"

    # The cluster: role attached at creation, encrypted, private, tagged.
    (cluster,) = _clusters(aws)
    assert cluster["ClusterIdentifier"] == "sparkify"
    assert (cluster["NodeType"], cluster["NumberOfNodes"]) == ("ra3.large", 2)
    assert (cluster["DBName"], cluster["MasterUsername"]) == ("sparkify", "sparkify_admin")
    assert cluster["Encrypted"] is True
    assert cluster["PubliclyAccessible"] is False
    assert [r["IamRoleArn"] for r in cluster["IamRoles"]] == [role["Arn"]]
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [group["GroupId"]]
    tags = _tags(cluster["Tags"])
    assert tags["project"] == "sparkify"
    assert tags["created-by"] == "sparkify"
    assert tags["owner"].startswith("arn:aws:")

    endpoint = f"{cluster['Endpoint']['Address']}:{cluster['Endpoint']['Port']}"
    assert endpoint in result.target_url
    assert result.next_command == (
        "sparkify run --source s3://udacity-dend --target "
        f"'redshift://sparkify_admin@{endpoint}/sparkify?iam_role={role['Arn']}'"
    )
    assert [(c.kind, c.action) for c in result.changes] == [
        ("iam-role", "created"),
        ("role-policy", "created"),
        ("security-group", "created"),
        ("ingress-rule", "created"),
        ("cluster", "created"),
    ]
    assert any("cluster sparkify: created" in e.message for e in events)
    assert result.notes and "private" in result.notes[0]

    report = status(settings, clients)
    assert report.role is not None and report.role.arn == role["Arn"]
    assert report.security_group is not None
    assert [r.cidr for r in report.security_group.ingress] == [TEST_CIDR]
    assert report.cluster is not None and report.cluster.paused is False

    paused = pause(settings, clients, wait=fake_clock.policy())
    assert paused.action == "paused"
    assert _clusters(aws)[0]["ClusterStatus"] == "paused"
    assert status(settings, clients).cluster.paused is True  # type: ignore[union-attr]
    assert pause(settings, clients, wait=fake_clock.policy()).action == "already paused"

    resumed = resume(settings, clients, wait=fake_clock.policy())
    assert resumed.action == "resumed"
    assert _clusters(aws)[0]["ClusterStatus"] == "available"
    assert resume(settings, clients, wait=fake_clock.policy()).action == "already available"

    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    gone = down(settings, clients, wait=fake_clock.policy(), now=lambda: when)
    assert gone.final_snapshot == "sparkify-final-20250102-030405"
    assert [(c.kind, c.action) for c in gone.changes] == [
        ("cluster", "deleted"),
        ("security-group", "deleted"),
        ("iam-role", "deleted"),
    ]
    assert _clusters(aws) == []
    assert _groups(aws) == []
    assert _roles(aws) == []
    snapshots = aws.redshift.describe_cluster_snapshots(SnapshotType="manual")["Snapshots"]
    assert [s["SnapshotIdentifier"] for s in snapshots] == ["sparkify-final-20250102-030405"]
    assert fake_clock.sleeps == []  # moto is instant: nothing ever waited for real


def test_up_twice_creates_one_of_each(
    settings: ClusterSettings, clients: AwsClients, aws: Aws, fake_clock: FakeClock
) -> None:
    first = up(settings, clients, wait=fake_clock.policy())
    second = up(settings, clients, wait=fake_clock.policy())
    assert _roles(aws) == [ROLE]
    assert len(_groups(aws)) == 1
    assert len(_clusters(aws)) == 1
    assert _port_rules(_groups(aws)[0]) == [("tcp", 5439, 5439, TEST_CIDR)]
    assert aws.iam.list_role_policies(RoleName=ROLE)["PolicyNames"] == ["sparkify-s3-read"]
    assert {c.action for c in second.changes} == {"exists"}
    assert second.target_url == first.target_url


def test_up_completes_after_a_partial_failure(
    settings: ClusterSettings, clients: AwsClients, aws: Aws, fake_clock: FakeClock
) -> None:
    """An earlier run made the role, then died: up keeps the role and makes the rest."""
    role_mod.ensure_role(clients.iam, settings, resource_tags(settings, "arn:aws:iam::1:user/x"))
    assert _roles(aws) == [ROLE] and _groups(aws) == [] and _clusters(aws) == []

    result = up(settings, clients, wait=fake_clock.policy())
    actions = {(c.kind, c.action) for c in result.changes}
    assert ("iam-role", "exists") in actions
    assert ("role-policy", "exists") in actions
    assert ("security-group", "created") in actions
    assert ("cluster", "created") in actions
    assert _roles(aws) == [ROLE]
    assert len(_groups(aws)) == 1
    assert len(_clusters(aws)) == 1


def test_up_after_failure_at_the_vpc_step_keeps_nothing_half_made(
    settings: ClusterSettings, aws: Aws, fake_clock: FakeClock, clients_for: ClientsFor
) -> None:
    """A failure before any change (wrong vpc_id) creates nothing; fixing it then completes."""
    broken = ClusterSettings(
        endpoint_url=settings.endpoint_url, allow_cidr=TEST_CIDR, vpc_id="vpc-00000000"
    )
    with pytest.raises(ConfigError, match="vpc-00000000"):
        up(broken, clients_for(broken), wait=fake_clock.policy())
    assert _roles(aws) == [] and _groups(aws) == [] and _clusters(aws) == []
    up(settings, clients_for(settings), wait=fake_clock.policy())
    assert len(_clusters(aws)) == 1


def test_up_repairs_a_changed_policy_and_a_changed_address(
    settings: ClusterSettings,
    clients: AwsClients,
    aws: Aws,
    fake_clock: FakeClock,
    clients_for: ClientsFor,
) -> None:
    up(settings, clients, wait=fake_clock.policy())
    aws.iam.put_role_policy(
        RoleName=ROLE,
        PolicyName="sparkify-s3-read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    moved = ClusterSettings(endpoint_url=settings.endpoint_url, allow_cidr="198.51.100.20/32")
    result = up(moved, clients_for(moved), wait=fake_clock.policy())
    actions = {(c.kind, c.name, c.action) for c in result.changes}
    assert ("role-policy", "sparkify-s3-read", "updated") in actions
    assert ("ingress-rule", "tcp/5439 from 198.51.100.20/32", "created") in actions
    assert ("ingress-rule", f"tcp/5439 from {TEST_CIDR}", "revoked") in actions
    document = aws.iam.get_role_policy(RoleName=ROLE, PolicyName="sparkify-s3-read")
    assert document["PolicyDocument"] == s3_read_policy(moved)
    assert _port_rules(_groups(aws)[0]) == [("tcp", 5439, 5439, "198.51.100.20/32")]


def test_up_without_a_range_refuses_and_creates_nothing(
    moto: str, aws: Aws, clients_for: ClientsFor
) -> None:
    settings = ClusterSettings(endpoint_url=moto, ip_lookup_url=UNREACHABLE_URL)
    with pytest.raises(ConfigError) as info:
        up(settings, clients_for(settings))
    assert "cannot find your public IP address" in info.value.message
    assert "--allow-cidr" in (info.value.hint or "")
    assert _roles(aws) == [] and _groups(aws) == [] and _clusters(aws) == []


def test_up_with_an_open_range_warns(
    moto: str, aws: Aws, fake_clock: FakeClock, clients_for: ClientsFor
) -> None:
    settings = ClusterSettings(endpoint_url=moto, allow_cidr="0.0.0.0/0")
    events: list[InfraEvent] = []
    result = up(settings, clients_for(settings), events=events.append, wait=fake_clock.policy())
    assert any("whole internet" in w for w in result.warnings)
    assert any(e.kind == "warning" and "whole internet" in e.message for e in events)
    assert _port_rules(_groups(aws)[0]) == [("tcp", 5439, 5439, "0.0.0.0/0")]


def test_up_declined_creates_nothing(
    settings: ClusterSettings, aws: Aws, clients_for: ClientsFor
) -> None:
    questions: list[str] = []

    def decline(question: str) -> bool:
        questions.append(question)
        return False

    with pytest.raises(InfraError, match="cancelled"):
        up(settings, clients_for(settings), confirm=decline)
    assert "2 x ra3.large" in questions[0]
    assert _roles(aws) == [] and _groups(aws) == [] and _clusters(aws) == []


def test_create_request_sends_no_password(
    settings: ClusterSettings, clients: AwsClients, fake_clock: FakeClock
) -> None:
    """moto makes no secret for ManageMasterPassword, so check what was asked of AWS."""
    sent: list[dict[str, Any]] = []
    clients.redshift.meta.events.register(
        "provide-client-params.redshift.CreateCluster",
        lambda params, **_: sent.append(dict(params)),
    )
    up(settings, clients, wait=fake_clock.policy())
    (params,) = sent
    assert params["ManageMasterPassword"] is True
    assert "MasterUserPassword" not in params
    assert params["Encrypted"] is True
    assert params["PubliclyAccessible"] is False
    assert params["IamRoles"] == [params["DefaultIamRoleArn"]]
    assert params["ClusterType"] == "multi-node"
    assert not any("password" in json.dumps(v).lower() for k, v in params.items())


def test_up_resumes_a_paused_cluster(
    settings: ClusterSettings, clients: AwsClients, aws: Aws, fake_clock: FakeClock
) -> None:
    up(settings, clients, wait=fake_clock.policy())
    pause(settings, clients, wait=fake_clock.policy())
    result = up(settings, clients, wait=fake_clock.policy())
    assert ("cluster", "resumed") in {(c.kind, c.action) for c in result.changes}
    assert _clusters(aws)[0]["ClusterStatus"] == "available"


def test_waiting_for_a_state_that_never_comes_times_out(
    settings: ClusterSettings, clients: AwsClients, fake_clock: FakeClock
) -> None:
    up(settings, clients, wait=fake_clock.policy())
    pause(settings, clients, wait=fake_clock.policy())
    with pytest.raises(InfraError) as info:
        rs.wait_for_status(clients.redshift, settings, "available", wait=fake_clock.policy(60, 15))
    assert info.value.message == (
        "timed out after 1m00s waiting for cluster 'sparkify' to be available (last state: paused)"
    )
    assert fake_clock.sleeps == [15, 15, 15, 15]
    assert "safe to re-run" in (info.value.hint or "")


def test_down_without_final_snapshot(
    settings: ClusterSettings, clients: AwsClients, aws: Aws, fake_clock: FakeClock
) -> None:
    up(settings, clients, wait=fake_clock.policy())
    result = down(settings, clients, skip_final_snapshot=True, wait=fake_clock.policy())
    assert result.final_snapshot is None
    assert result.changes[0].detail == "no final snapshot"
    assert aws.redshift.describe_cluster_snapshots(SnapshotType="manual")["Snapshots"] == []
    assert _clusters(aws) == [] and _groups(aws) == [] and _roles(aws) == []


def test_down_twice_reports_what_is_already_gone(
    settings: ClusterSettings, clients: AwsClients, fake_clock: FakeClock
) -> None:
    up(settings, clients, wait=fake_clock.policy())
    down(settings, clients, wait=fake_clock.policy())
    again = down(settings, clients, wait=fake_clock.policy())
    assert [(c.kind, c.action, c.detail) for c in again.changes] == [
        ("cluster", "absent", "already gone"),
        ("security-group", "absent", "already gone"),
        ("iam-role", "absent", "already gone"),
    ]
    assert again.final_snapshot is None


def test_down_after_partial_up_removes_what_exists(
    settings: ClusterSettings, clients: AwsClients, aws: Aws, fake_clock: FakeClock
) -> None:
    role_mod.ensure_role(clients.iam, settings, resource_tags(settings, "arn:aws:iam::1:user/x"))
    result = down(settings, clients, wait=fake_clock.policy())
    assert [(c.kind, c.action) for c in result.changes] == [
        ("cluster", "absent"),
        ("security-group", "absent"),
        ("iam-role", "deleted"),
    ]
    assert _roles(aws) == []


def test_resources_not_made_by_sparkify_are_never_touched(
    settings: ClusterSettings, clients: AwsClients, aws: Aws, fake_clock: FakeClock
) -> None:
    aws.iam.create_role(
        RoleName=ROLE,
        AssumeRolePolicyDocument=json.dumps(role_mod.trust_policy()),
        Tags=[{"Key": "project", "Value": "someone-else"}],
    )
    with pytest.raises(InfraError, match="not created by sparkify") as info:
        up(settings, clients, wait=fake_clock.policy())
    assert "role_name" in (info.value.hint or "")
    with pytest.raises(InfraError, match="not created by sparkify"):
        down(settings, clients, wait=fake_clock.policy())
    assert _roles(aws) == [ROLE]
    assert aws.iam.list_role_policies(RoleName=ROLE)["PolicyNames"] == []


def test_status_of_nothing(settings: ClusterSettings, clients: AwsClients) -> None:
    report = status(settings, clients)
    assert (report.role, report.security_group, report.cluster, report.snapshots) == (
        None,
        None,
        None,
        (),
    )


def test_status_lists_snapshots_of_this_cluster_only(
    settings: ClusterSettings,
    clients: AwsClients,
    aws: Aws,
    fake_clock: FakeClock,
    clients_for: ClientsFor,
) -> None:
    up(settings, clients, wait=fake_clock.policy())
    down(settings, clients, wait=fake_clock.policy())
    other = ClusterSettings(
        endpoint_url=settings.endpoint_url, allow_cidr=TEST_CIDR, identifier="other"
    )
    report = status(other, clients_for(other))
    assert report.snapshots == ()
    mine = status(settings, clients).snapshots
    assert [s.snapshot_type for s in mine] == ["manual"]
    assert re.fullmatch(r"sparkify-final-\d{8}-\d{6}", mine[0].identifier)
