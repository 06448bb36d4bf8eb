SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

BEGIN;

LOCK "sparkify_manifest";

SELECT log_data, song_data FROM "sparkify_source";

SELECT source_file, size, mtime, checksum, records, rejected, id_end FROM sparkify_manifest;

COMMIT;

SELECT COUNT(*) FROM "songplays";

SELECT COUNT(*) FROM "users";

SELECT COUNT(*) FROM "songs";

SELECT COUNT(*) FROM "artists";

SELECT COUNT(*) FROM "time";

SELECT COUNT(*) FROM "staging_events";

SELECT COUNT(*) FROM "staging_songs";

SELECT COUNT(*) FROM "load_errors";
