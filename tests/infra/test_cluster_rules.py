"""Which cluster states allow pause/resume (moto cannot produce 'creating'; these rules can)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sparkify.errors import ExitCode, InfraError
from sparkify.infra import ClusterState
from sparkify.infra.cluster import final_snapshot_name, plan_pause, plan_resume


def _state(status: str) -> ClusterState:
    return ClusterState(
        identifier="sparkify",
        status=status,
        availability=None,
        node_type="ra3.large",
        number_of_nodes=2,
        database="sparkify",
        admin_user="sparkify_admin",
        endpoint_address=None,
        endpoint_port=None,
        publicly_accessible=False,
        encrypted=True,
        iam_role_arns=(),
        security_group_ids=(),
        admin_secret_arn=None,
    )


@pytest.mark.parametrize(
    ("status", "plan"),
    [
        ("available", "pause"),
        ("available, prep-for-resize", "pause"),
        ("pausing", "wait"),
        ("paused", "noop"),
    ],
)
def test_plan_pause(status: str, plan: str) -> None:
    assert plan_pause(_state(status)) == plan


@pytest.mark.parametrize(
    ("status", "plan"), [("paused", "resume"), ("resuming", "wait"), ("available", "noop")]
)
def test_plan_resume(status: str, plan: str) -> None:
    assert plan_resume(_state(status)) == plan


@pytest.mark.parametrize("status", ["creating", "modifying", "resizing", "deleting", "rebooting"])
def test_pausing_a_busy_cluster_is_one_clear_error(status: str) -> None:
    with pytest.raises(InfraError) as info:
        plan_pause(_state(status))
    assert info.value.message == f"cannot pause cluster 'sparkify' while it is '{status}'"
    assert "sparkify infra status" in (info.value.hint or "")
    assert info.value.exit_code == ExitCode.INFRA


def test_failed_state_needs_a_human() -> None:
    with pytest.raises(InfraError, match="hardware-failure") as info:
        plan_resume(_state("hardware-failure"))
    assert "console" in (info.value.hint or "")


def test_final_snapshot_name_has_a_timestamp() -> None:
    when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert final_snapshot_name("sparkify", when) == "sparkify-final-20250304-050607"
