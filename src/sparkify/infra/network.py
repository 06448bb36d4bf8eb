"""The VPC the cluster lives in and the security group that guards its port.

The group lets in TCP on the cluster port from exactly one IPv4 range (``allow_cidr`` or the
caller's /32); ``infra up`` revokes any other range on that port, so a changed address does not
leave the old one open. Egress stays at the EC2 default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sparkify.errors import ConfigError, InfraError
from sparkify.infra.aws_errors import AwsCall
from sparkify.infra.models import IngressRule, ResourceChange, SecurityGroupState
from sparkify.infra.settings import ClusterSettings
from sparkify.infra.tags import aws_tags, require_ours, tag_dict
from sparkify.infra.waiting import EventSink, WaitPolicy, ignore_events, wait_until


@dataclass(frozen=True)
class Vpc:
    """The VPC the cluster and its security group go in."""

    vpc_id: str
    is_default: bool


def find_vpc(ec2: Any, settings: ClusterSettings) -> Vpc:
    """The configured VPC (which must exist) or the region's default VPC."""
    if settings.vpc_id:
        action = f"find VPC '{settings.vpc_id}'"
        with AwsCall(action, settings.region, tolerate=["InvalidVpcID.NotFound"]) as call:
            found = ec2.describe_vpcs(VpcIds=[settings.vpc_id])["Vpcs"]
        if call.tolerated or not found:
            raise ConfigError(
                f"VPC '{settings.vpc_id}' (vpc_id in [cluster]) is not in {settings.region}",
                "Fix vpc_id or region, or remove vpc_id to use the default VPC.",
            )
        return Vpc(vpc_id=settings.vpc_id, is_default=bool(found[0].get("IsDefault")))
    with AwsCall(f"find the default VPC in {settings.region}", settings.region):
        found = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    if not found:
        raise InfraError(
            f"there is no default VPC in {settings.region}",
            "Create one (`aws ec2 create-default-vpc`) or set vpc_id and cluster_subnet_group "
            "in [cluster].",
        )
    return Vpc(vpc_id=str(found[0]["VpcId"]), is_default=True)


def lookup_vpc_id(ec2: Any, settings: ClusterSettings) -> str | None:
    """``vpc_id`` if configured, else the default VPC's id, else None (for reading only)."""
    if settings.vpc_id:
        return settings.vpc_id
    with AwsCall(f"find the default VPC in {settings.region}", settings.region):
        found = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    return str(found[0]["VpcId"]) if found else None


def _ingress(group: Mapping[str, Any]) -> tuple[IngressRule, ...]:
    rules = []
    for permission in group.get("IpPermissions", []):
        for ip_range in permission.get("IpRanges", []):
            rules.append(
                IngressRule(
                    protocol=str(permission.get("IpProtocol")),
                    from_port=permission.get("FromPort"),
                    to_port=permission.get("ToPort"),
                    cidr=str(ip_range["CidrIp"]),
                )
            )
        for ip_range in permission.get("Ipv6Ranges", []):
            rules.append(
                IngressRule(
                    protocol=str(permission.get("IpProtocol")),
                    from_port=permission.get("FromPort"),
                    to_port=permission.get("ToPort"),
                    cidr=str(ip_range["CidrIpv6"]),
                )
            )
    return tuple(rules)


def get_security_group(
    ec2: Any, settings: ClusterSettings, vpc_id: str | None
) -> SecurityGroupState | None:
    """The group named ``security_group_name`` (in ``vpc_id`` when given), or None."""
    filters = [{"Name": "group-name", "Values": [settings.security_group_name]}]
    if vpc_id:
        filters.append({"Name": "vpc-id", "Values": [vpc_id]})
    action = f"read security group '{settings.security_group_name}'"
    with AwsCall(action, settings.region):
        groups = ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
    if not groups:
        return None
    if len(groups) > 1:
        raise InfraError(
            f"{len(groups)} security groups are named '{settings.security_group_name}' "
            f"in different VPCs of {settings.region}",
            "Set vpc_id in [cluster] to say which one sparkify should use.",
        )
    group = groups[0]
    return SecurityGroupState(
        group_id=str(group["GroupId"]),
        name=str(group["GroupName"]),
        vpc_id=str(group.get("VpcId", "")),
        ingress=_ingress(group),
        tags=tag_dict(group.get("Tags")),
    )


def ensure_security_group(
    ec2: Any, settings: ClusterSettings, vpc: Vpc, cidr: str, tags: Mapping[str, str]
) -> tuple[SecurityGroupState, list[ResourceChange]]:
    """Create the group if missing; make its ingress on the port exactly ``cidr``."""
    name = settings.security_group_name
    changes: list[ResourceChange] = []
    group = get_security_group(ec2, settings, vpc.vpc_id)
    if group is None:
        with AwsCall(f"create security group '{name}'", settings.region):
            ec2.create_security_group(
                GroupName=name,
                Description=f"sparkify: Redshift port {settings.port} from one address range",
                VpcId=vpc.vpc_id,
                TagSpecifications=[{"ResourceType": "security-group", "Tags": aws_tags(tags)}],
            )
        group = get_security_group(ec2, settings, vpc.vpc_id)
        if group is None:
            raise InfraError(f"security group '{name}' is not visible after creation", "Re-run.")
        changes.append(ResourceChange("security-group", name, "created", group.group_id))
    else:
        require_ours("security group", name, group.tags, "security_group_name")
        changes.append(ResourceChange("security-group", name, "exists", group.group_id))
    changes.extend(_converge_ingress(ec2, settings, group, cidr, tags))
    final = get_security_group(ec2, settings, vpc.vpc_id)
    return (final or group), changes


def _port_permission(settings: ClusterSettings, cidr: str) -> dict[str, Any]:
    permission: dict[str, Any] = {
        "IpProtocol": "tcp",
        "FromPort": settings.port,
        "ToPort": settings.port,
    }
    if ":" in cidr:
        permission["Ipv6Ranges"] = [{"CidrIpv6": cidr}]
    else:
        permission["IpRanges"] = [{"CidrIp": cidr, "Description": "sparkify: Redshift clients"}]
    return permission


def _converge_ingress(
    ec2: Any,
    settings: ClusterSettings,
    group: SecurityGroupState,
    cidr: str,
    tags: Mapping[str, str],
) -> list[ResourceChange]:
    port = settings.port
    on_port = [r for r in group.ingress if r.protocol == "tcp" and r.from_port == r.to_port == port]
    changes: list[ResourceChange] = []
    rule_name = f"tcp/{port} from {cidr}"
    if any(rule.cidr == cidr for rule in on_port):
        changes.append(ResourceChange("ingress-rule", rule_name, "exists"))
    else:
        action = f"allow {rule_name} in security group '{group.name}'"
        with AwsCall(action, settings.region, tolerate=["InvalidPermission.Duplicate"]):
            ec2.authorize_security_group_ingress(
                GroupId=group.group_id,
                IpPermissions=[_port_permission(settings, cidr)],
                TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": aws_tags(tags)}],
            )
        changes.append(ResourceChange("ingress-rule", rule_name, "created"))
    for rule in on_port:
        if rule.cidr != cidr:
            stale = f"tcp/{port} from {rule.cidr}"
            action = f"revoke {stale} in security group '{group.name}'"
            with AwsCall(action, settings.region, tolerate=["InvalidPermission.NotFound"]):
                ec2.revoke_security_group_ingress(
                    GroupId=group.group_id, IpPermissions=[_port_permission(settings, rule.cidr)]
                )
            changes.append(ResourceChange("ingress-rule", stale, "revoked", "not allow_cidr"))
    return changes


def delete_security_group(
    ec2: Any,
    settings: ClusterSettings,
    vpc_id: str | None,
    *,
    wait: WaitPolicy,
    events: EventSink = ignore_events,
) -> ResourceChange:
    """Delete the group, retrying while AWS still counts the deleted cluster's network
    interfaces as users of it; ``absent`` when it is already gone."""
    name = settings.security_group_name
    group = get_security_group(ec2, settings, vpc_id)
    if group is None:
        return ResourceChange("security-group", name, "absent", "already gone")
    require_ours("security group", name, group.tags, "security_group_name")

    def attempt() -> str:
        action = f"delete security group '{name}' ({group.group_id})"
        busy = ["DependencyViolation", "InvalidGroup.InUse", "InvalidGroup.NotFound"]
        with AwsCall(action, settings.region, tolerate=busy) as call:
            ec2.delete_security_group(GroupId=group.group_id)
        return call.tolerated or "deleted"

    outcome = wait_until(
        attempt,
        lambda result: result in {"deleted", "InvalidGroup.NotFound"},
        describe=lambda result: f"still in use ({result})",
        what=f"security group '{name}' to be free",
        policy=wait,
        events=events,
        hint="A network interface still uses it; re-run `sparkify infra down` in a few minutes.",
    )
    if outcome == "InvalidGroup.NotFound":
        return ResourceChange("security-group", name, "absent", "already gone")
    return ResourceChange("security-group", name, "deleted", group.group_id)
