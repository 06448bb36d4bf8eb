"""Tests of `sparkify infra` (the Redshift cluster as code) against a local moto server."""
