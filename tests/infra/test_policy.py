"""The COPY role's documents: trusted by Redshift only, S3 read only on the configured places."""

from __future__ import annotations

from sparkify.infra import ClusterSettings, s3_read_policy, trust_policy
from sparkify.infra.role import partition


def _statements(settings: ClusterSettings) -> dict[str, list[str]]:
    document = s3_read_policy(settings)
    assert document["Version"] == "2012-10-17"
    out: dict[str, list[str]] = {}
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "Condition" not in statement
        out[statement["Action"]] = statement["Resource"]
    return out


def test_default_policy_reads_only_the_udacity_bucket() -> None:
    assert _statements(ClusterSettings()) == {
        "s3:ListBucket": ["arn:aws:s3:::udacity-dend"],
        "s3:GetObject": ["arn:aws:s3:::udacity-dend/*"],
    }


def test_prefixes_and_staging_bucket_are_scoped() -> None:
    settings = ClusterSettings(
        source_buckets=("s3://udacity-dend/log_data/", "udacity-dend/song_data"),
        staging_bucket="my-staging",
        staging_prefix="/runs/",
    )
    assert _statements(settings) == {
        "s3:ListBucket": ["arn:aws:s3:::udacity-dend", "arn:aws:s3:::my-staging"],
        "s3:GetObject": [
            "arn:aws:s3:::udacity-dend/log_data/*",
            "arn:aws:s3:::udacity-dend/song_data/*",
            "arn:aws:s3:::my-staging/runs/*",
        ],
    }


def test_no_wildcard_actions_or_buckets() -> None:
    for action, resources in _statements(ClusterSettings(staging_bucket="stage-b")).items():
        assert "*" not in action
        for resource in resources:
            assert resource != "*"
            assert not resource.startswith("arn:aws:s3:::*")


def test_trust_policy_names_only_redshift() -> None:
    (statement,) = trust_policy()["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Principal": {"Service": "redshift.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }


def test_arn_partition_follows_region() -> None:
    assert partition("us-west-2") == "aws"
    assert partition("cn-north-1") == "aws-cn"
    assert partition("us-gov-west-1") == "aws-us-gov"
    china = _statements(ClusterSettings(region="cn-north-1"))
    assert china["s3:ListBucket"] == ["arn:aws-cn:s3:::udacity-dend"]
