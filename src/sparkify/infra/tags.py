"""Tags put on every resource ``sparkify infra`` creates, and the ownership check they allow.

``created-by = sparkify`` marks a resource as ours: ``infra up`` refuses to adopt, and
``infra down`` refuses to delete, a role, group or cluster with our name that lacks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sparkify.errors import InfraError
from sparkify.infra.settings import ClusterSettings

CREATED_BY_KEY = "created-by"
CREATED_BY_VALUE = "sparkify"


def resource_tags(settings: ClusterSettings, caller_arn: str) -> dict[str, str]:
    """``project``, ``owner`` and ``created-by`` plus the configured extra tags."""
    tags = {"project": "sparkify", **dict(settings.tags)}
    tags["owner"] = settings.owner or caller_arn
    tags[CREATED_BY_KEY] = CREATED_BY_VALUE
    return tags


def aws_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """``{"k": "v"}`` -> ``[{"Key": "k", "Value": "v"}]`` (the shape IAM, EC2 and Redshift take)."""
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def tag_dict(tags: Iterable[Mapping[str, object]] | None) -> dict[str, str]:
    """``[{"Key": "k", "Value": "v"}]`` -> ``{"k": "v"}``."""
    return {str(tag["Key"]): str(tag.get("Value", "")) for tag in tags or ()}


def is_ours(tags: Mapping[str, str]) -> bool:
    """Whether a resource carries the ``created-by = sparkify`` tag."""
    return tags.get(CREATED_BY_KEY) == CREATED_BY_VALUE


def require_ours(kind: str, name: str, tags: Mapping[str, str], setting: str) -> None:
    """Refuse to touch a resource with our name that sparkify did not create."""
    if not is_ours(tags):
        raise InfraError(
            f"{kind} '{name}' exists but was not created by sparkify (no tag "
            f"{CREATED_BY_KEY}={CREATED_BY_VALUE}); refusing to change or delete it",
            f"Choose another name with '{setting}' in [cluster], or tag it "
            f"{CREATED_BY_KEY}={CREATED_BY_VALUE} if it is really this project's.",
        )
