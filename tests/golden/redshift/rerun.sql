SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

BEGIN;

LOCK "sparkify_manifest";

SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

SELECT log_data, song_data FROM "sparkify_source";

SELECT COUNT(*) FROM sparkify_manifest;

SELECT source_file, size, mtime, checksum, records, rejected, id_end FROM sparkify_manifest;

SELECT COUNT(*) FROM "songplays";

SELECT COUNT(*) FROM "users";

SELECT COUNT(*) FROM "songs";

SELECT COUNT(*) FROM "artists";

SELECT COUNT(*) FROM "time";

SELECT COUNT(*) FROM "staging_events";

SELECT COUNT(*) FROM "staging_songs";

SELECT COUNT(*) FROM "load_errors";

SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

CREATE TEMP TABLE "_load_sparkify_runs" (
    "run_id" VARCHAR(64) NOT NULL,
    "started_at" TIMESTAMP NOT NULL,
    "finished_at" TIMESTAMP NOT NULL,
    "sparkify_version" VARCHAR(64) NOT NULL,
    "command" VARCHAR(16) NOT NULL,
    "source" VARCHAR(8192),
    "target" VARCHAR(4096) NOT NULL,
    "mode" VARCHAR(64),
    "files_new" INTEGER,
    "files_changed" INTEGER,
    "files_unchanged" INTEGER,
    "records_read" BIGINT,
    "records_staged" BIGINT,
    "records_rejected" BIGINT,
    "songplays_rows" BIGINT,
    "users_rows" BIGINT,
    "songs_rows" BIGINT,
    "artists_rows" BIGINT,
    "time_rows" BIGINT,
    "checks_passed" INTEGER,
    "checks_failed" INTEGER,
    "checks_warned" INTEGER,
    "seconds" DOUBLE PRECISION,
    "outcome" VARCHAR(64) NOT NULL,
    "error" VARCHAR(4096),
    "exit_code" INTEGER
)
DISTSTYLE EVEN;

COPY "_load_sparkify_runs" ("run_id", "started_at", "finished_at", "sparkify_version", "command", "source", "target", "mode", "files_new", "files_changed", "files_unchanged", "records_read", "records_staged", "records_rejected", "songplays_rows", "users_rows", "songs_rows", "artists_rows", "time_rows", "checks_passed", "checks_failed", "checks_warned", "seconds", "outcome", "error", "exit_code")
FROM 's3://sparkify-staging/runs/<run>/r004-sparkify_runs.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/sparkify-copy'
FORMAT AS JSON 'auto'
MANIFEST
GZIP
TIMEFORMAT 'epochmillisecs'
MAXERROR 0
REGION 'us-west-2'
COMPUPDATE OFF STATUPDATE OFF;

INSERT INTO "sparkify_runs" ("run_id", "started_at", "finished_at", "sparkify_version", "command", "source", "target", "mode", "files_new", "files_changed", "files_unchanged", "records_read", "records_staged", "records_rejected", "songplays_rows", "users_rows", "songs_rows", "artists_rows", "time_rows", "checks_passed", "checks_failed", "checks_warned", "seconds", "outcome", "error", "exit_code")
SELECT "run_id", "started_at", "finished_at", "sparkify_version", "command", "source", "target", "mode", "files_new", "files_changed", "files_unchanged", "records_read", "records_staged", "records_rejected", "songplays_rows", "users_rows", "songs_rows", "artists_rows", "time_rows", "checks_passed", "checks_failed", "checks_warned", "seconds", "outcome", "error", "exit_code" FROM "_load_sparkify_runs";

DROP TABLE IF EXISTS "_load_sparkify_runs";

COMMIT;
