SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

BEGIN;

LOCK "sparkify_manifest";

SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

SELECT log_data, song_data FROM "sparkify_source";

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

COPY "sparkify_runs" ("run_id", "started_at", "finished_at", "sparkify_version", "command", "source", "target", "mode", "files_new", "files_changed", "files_unchanged", "records_read", "records_staged", "records_rejected", "songplays_rows", "users_rows", "songs_rows", "artists_rows", "time_rows", "checks_passed", "checks_failed", "checks_warned", "seconds", "outcome", "error", "exit_code")
FROM 's3://sparkify-staging/runs/<run>/r004-sparkify_runs.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/sparkify-copy'
FORMAT AS JSON 'auto'
MANIFEST
GZIP
TIMEFORMAT 'epochmillisecs'
MAXERROR 0
REGION 'us-west-2'
COMPUPDATE OFF STATUPDATE OFF;

COMMIT;
