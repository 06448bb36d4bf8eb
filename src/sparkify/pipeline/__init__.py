"""The pipeline steps: read, stage, transform, check; :mod:`.run` orchestrates them."""
