"""The Redshift target: authentication (``auth``), records and their lineage (``records``),
gzip parts uploaded to S3 (``upload``) and the COPY of a batch (``load``)."""

from __future__ import annotations

from sparkify.targets.redshift.target import RedshiftTarget

__all__ = ["RedshiftTarget"]
