"""The IAM role Redshift assumes to run COPY: read-only, and only on the configured buckets.

Trusted by ``redshift.amazonaws.com`` only, with one inline policy allowing ``s3:ListBucket`` on
each source/staging bucket and ``s3:GetObject`` under each configured prefix: not
``AmazonS3ReadOnlyAccess``, which would let the cluster read every bucket of the account.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from sparkify.errors import InfraError
from sparkify.infra.aws_errors import AwsCall
from sparkify.infra.models import ResourceChange, RoleState
from sparkify.infra.settings import ClusterSettings
from sparkify.infra.tags import aws_tags, require_ours, tag_dict

POLICY_NAME = "sparkify-s3-read"
TRUSTED_SERVICE = "redshift.amazonaws.com"


def partition(region: str) -> str:
    """The ARN partition of a region: ``aws``, ``aws-cn`` or ``aws-us-gov``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def trust_policy() -> dict[str, Any]:
    """Only the Redshift service may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": TRUSTED_SERVICE},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def s3_read_policy(settings: ClusterSettings) -> dict[str, Any]:
    """List the configured buckets; get objects under their prefixes (the whole bucket when an
    entry has no prefix). Nothing else: no writes, no other bucket."""
    arn = f"arn:{partition(settings.region)}:s3:::"
    buckets: list[str] = []
    objects: list[str] = []
    for bucket, prefix in settings.s3_locations:
        if f"{arn}{bucket}" not in buckets:
            buckets.append(f"{arn}{bucket}")
        pattern = f"{arn}{bucket}/{prefix}/*" if prefix else f"{arn}{bucket}/*"
        if pattern not in objects:
            objects.append(pattern)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListSparkifyBuckets",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": buckets,
            },
            {
                "Sid": "ReadSparkifyObjects",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": objects,
            },
        ],
    }


def _as_document(raw: object) -> dict[str, Any] | None:
    """IAM returns policy documents as dicts through boto3, or URL-encoded JSON text."""
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, str):
        parsed = json.loads(unquote(raw))
        return dict(parsed) if isinstance(parsed, dict) else None
    return None


def _trusted_service(document: Mapping[str, Any] | None) -> str:
    for statement in (document or {}).get("Statement", []):
        service = statement.get("Principal", {}).get("Service")
        if service:
            return str(service) if isinstance(service, str) else ",".join(map(str, service))
    return ""


def get_role(iam: Any, settings: ClusterSettings) -> RoleState | None:
    """The role and our inline policy as IAM reports them; None when the role does not exist."""
    name = settings.role_name
    with AwsCall(f"read IAM role '{name}'", settings.region, tolerate=["NoSuchEntity"]) as call:
        role: dict[str, Any] = iam.get_role(RoleName=name)["Role"]
        names = tuple(iam.list_role_policies(RoleName=name)["PolicyNames"])
    if call.tolerated:
        return None
    document = None
    if POLICY_NAME in names:
        with AwsCall(f"read the policy of IAM role '{name}'", settings.region):
            raw = iam.get_role_policy(RoleName=name, PolicyName=POLICY_NAME)["PolicyDocument"]
        document = _as_document(raw)
    return RoleState(
        name=name,
        arn=str(role["Arn"]),
        trusted_service=_trusted_service(_as_document(role.get("AssumeRolePolicyDocument"))),
        policy_names=names,
        policy_document=document,
        tags=tag_dict(role.get("Tags")),
    )


def ensure_role(
    iam: Any, settings: ClusterSettings, tags: Mapping[str, str]
) -> tuple[RoleState, list[ResourceChange]]:
    """Create the role if missing and make its inline policy exactly :func:`s3_read_policy`."""
    name = settings.role_name
    changes: list[ResourceChange] = []
    existing = get_role(iam, settings)
    if existing is None:
        with AwsCall(
            f"create IAM role '{name}'", settings.region, tolerate=["EntityAlreadyExists"]
        ):
            iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=json.dumps(trust_policy()),
                Description="Lets Redshift COPY read the sparkify source buckets (sparkify infra).",
                Tags=aws_tags(tags),
            )
        changes.append(ResourceChange("iam-role", name, "created"))
    else:
        require_ours("IAM role", name, existing.tags, "role_name")
        changes.append(ResourceChange("iam-role", name, "exists", existing.arn))
    wanted = s3_read_policy(settings)
    current = existing.policy_document if existing else None
    if current != wanted:
        with AwsCall(f"put the S3 read policy on IAM role '{name}'", settings.region):
            iam.put_role_policy(
                RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(wanted)
            )
        action = "created" if current is None else "updated"
        changes.append(ResourceChange("role-policy", POLICY_NAME, action, policy_summary(wanted)))
    else:
        changes.append(ResourceChange("role-policy", POLICY_NAME, "exists", policy_summary(wanted)))
    state = get_role(iam, settings)
    if state is None:
        raise InfraError(
            f"IAM role '{name}' is not visible yet right after it was created",
            "IAM is eventually consistent; re-run `sparkify infra up` in a minute.",
        )
    return state, changes


def policy_summary(document: Mapping[str, Any]) -> str:
    """``s3:ListBucket on udacity-dend; s3:GetObject on udacity-dend/*``."""
    parts = []
    for statement in document.get("Statement", []):
        resources = statement["Resource"]
        listed = resources if isinstance(resources, list) else [resources]
        names = ", ".join(str(r).split(":::", 1)[-1] for r in listed)
        parts.append(f"{statement['Action']} on {names}")
    return "; ".join(parts)


def delete_role(iam: Any, settings: ClusterSettings) -> ResourceChange:
    """Delete the role and its policies; report ``absent`` when it is already gone."""
    name = settings.role_name
    existing = get_role(iam, settings)
    if existing is None:
        return ResourceChange("iam-role", name, "absent", "already gone")
    require_ours("IAM role", name, existing.tags, "role_name")
    gone = ["NoSuchEntity"]
    with AwsCall(f"detach policies from IAM role '{name}'", settings.region, tolerate=gone):
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        for policy in attached:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy_name in existing.policy_names:
        with AwsCall(
            f"delete policy '{policy_name}' of IAM role '{name}'", settings.region, tolerate=gone
        ):
            iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    with AwsCall(f"delete IAM role '{name}'", settings.region, tolerate=gone) as call:
        iam.delete_role(RoleName=name)
    if call.tolerated:
        return ResourceChange("iam-role", name, "absent", "already gone")
    return ResourceChange("iam-role", name, "deleted", existing.arn)
