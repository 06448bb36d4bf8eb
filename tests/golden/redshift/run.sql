SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

CREATE TABLE IF NOT EXISTS "sparkify_manifest" (
    "source_file" VARCHAR(4096) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "size" BIGINT NOT NULL,
    "mtime" DOUBLE PRECISION,
    "checksum" VARCHAR(128) NOT NULL,
    "records" INTEGER NOT NULL,
    "rejected" INTEGER NOT NULL,
    "id_end" BIGINT,
    PRIMARY KEY ("source_file")
)
DISTSTYLE ALL
ENCODE AUTO;

BEGIN;

LOCK "sparkify_manifest";

SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

CREATE TABLE IF NOT EXISTS "staging_events" (
    "event_id" BIGINT IDENTITY(1, 1) NOT NULL,
    "artist" VARCHAR(1024),
    "auth" VARCHAR(64),
    "firstname" VARCHAR(256),
    "gender" VARCHAR(16),
    "iteminsession" INTEGER,
    "lastname" VARCHAR(256),
    "length" DOUBLE PRECISION,
    "level" VARCHAR(16),
    "location" VARCHAR(512),
    "method" VARCHAR(16),
    "page" VARCHAR(64),
    "registration" DOUBLE PRECISION,
    "sessionid" INTEGER,
    "song" VARCHAR(1024),
    "status" INTEGER,
    "ts" BIGINT NOT NULL,
    "useragent" VARCHAR(2048),
    "userid" VARCHAR(64),
    "source_file" VARCHAR(4096) NOT NULL,
    "source_line" INTEGER NOT NULL
)
DISTSTYLE EVEN
SORTKEY("ts")
ENCODE AUTO;

CREATE TABLE IF NOT EXISTS "staging_songs" (
    "num_songs" INTEGER,
    "artist_id" VARCHAR(64) NOT NULL,
    "artist_latitude" DOUBLE PRECISION,
    "artist_longitude" DOUBLE PRECISION,
    "artist_location" VARCHAR(512),
    "artist_name" VARCHAR(1024),
    "song_id" VARCHAR(64) NOT NULL,
    "title" VARCHAR(1024),
    "duration" DOUBLE PRECISION,
    "year" INTEGER,
    "source_file" VARCHAR(4096) NOT NULL,
    "source_line" INTEGER NOT NULL
)
DISTSTYLE EVEN
SORTKEY("song_id")
ENCODE AUTO;

CREATE TABLE IF NOT EXISTS "songplays" (
    "songplay_id" BIGINT NOT NULL,
    "start_time" TIMESTAMP NOT NULL,
    "user_id" INTEGER NOT NULL,
    "level" VARCHAR(16),
    "song_id" VARCHAR(64),
    "artist_id" VARCHAR(64),
    "session_id" INTEGER,
    "location" VARCHAR(512),
    "user_agent" VARCHAR(2048),
    PRIMARY KEY ("songplay_id")
)
DISTSTYLE KEY
DISTKEY("user_id")
SORTKEY("start_time")
ENCODE AUTO;

CREATE TABLE IF NOT EXISTS "users" (
    "user_id" INTEGER NOT NULL,
    "first_name" VARCHAR(256),
    "last_name" VARCHAR(256),
    "gender" VARCHAR(16),
    "level" VARCHAR(16),
    PRIMARY KEY ("user_id")
)
DISTSTYLE KEY
DISTKEY("user_id")
SORTKEY("user_id")
ENCODE AUTO;

CREATE TABLE IF NOT EXISTS "songs" (
    "song_id" VARCHAR(64) NOT NULL,
    "title" VARCHAR(1024),
    "artist_id" VARCHAR(64),
    "year" INTEGER,
    "duration" DOUBLE PRECISION,
    PRIMARY KEY ("song_id")
)
DISTSTYLE KEY
DISTKEY("song_id")
SORTKEY("song_id")
ENCODE AUTO;

CREATE TABLE IF NOT EXISTS "artists" (
    "artist_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(1024),
    "location" VARCHAR(512),
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    PRIMARY KEY ("artist_id")
)
DISTSTYLE KEY
DISTKEY("artist_id")
SORTKEY("artist_id")
ENCODE AUTO;

CREATE TABLE IF NOT EXISTS "time" (
    "start_time" TIMESTAMP NOT NULL,
    "hour" INTEGER,
    "day" INTEGER,
    "week" INTEGER,
    "month" INTEGER,
    "year" INTEGER,
    "weekday" INTEGER,
    PRIMARY KEY ("start_time")
)
DISTSTYLE AUTO
SORTKEY("start_time")
ENCODE AUTO;

CREATE TABLE IF NOT EXISTS "load_errors" (
    "source_file" VARCHAR(4096) NOT NULL,
    "source_line" INTEGER,
    "reason" VARCHAR(16384) NOT NULL,
    "raw_text" VARCHAR(65535)
)
DISTSTYLE EVEN
ENCODE AUTO;

CREATE TABLE IF NOT EXISTS "sparkify_source" (
    "log_data" VARCHAR(4096) NOT NULL,
    "song_data" VARCHAR(4096) NOT NULL
)
DISTSTYLE ALL
ENCODE AUTO;

CREATE TABLE IF NOT EXISTS "sparkify_runs" (
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
    "exit_code" INTEGER,
    PRIMARY KEY ("run_id")
)
DISTSTYLE EVEN
SORTKEY("started_at")
ENCODE AUTO;

COMMIT;

SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

BEGIN;

LOCK "sparkify_manifest";

SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

SELECT log_data, song_data FROM "sparkify_source";

SELECT COUNT(*) FROM stv_slices;

CREATE TEMP TABLE "_load_sparkify_source" (
    "log_data" VARCHAR(4096) NOT NULL,
    "song_data" VARCHAR(4096) NOT NULL
)
DISTSTYLE EVEN;

COPY "_load_sparkify_source" ("log_data", "song_data")
FROM 's3://sparkify-staging/runs/<run>/r001-sparkify_source.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/sparkify-copy'
FORMAT AS JSON 'auto'
MANIFEST
GZIP
TIMEFORMAT 'epochmillisecs'
MAXERROR 0
REGION 'us-west-2'
COMPUPDATE OFF STATUPDATE OFF;

INSERT INTO "sparkify_source" ("log_data", "song_data")
SELECT "log_data", "song_data" FROM "_load_sparkify_source";

DROP TABLE IF EXISTS "_load_sparkify_source";

SELECT COUNT(*) FROM sparkify_manifest;

SELECT source_file, id_end FROM sparkify_manifest WHERE id_end IS NOT NULL;

CREATE TEMP TABLE "_load_staging_events" (
    "artist" VARCHAR(1024),
    "auth" VARCHAR(64),
    "firstname" VARCHAR(256),
    "gender" VARCHAR(16),
    "iteminsession" INTEGER,
    "lastname" VARCHAR(256),
    "length" DOUBLE PRECISION,
    "level" VARCHAR(16),
    "location" VARCHAR(512),
    "method" VARCHAR(16),
    "page" VARCHAR(64),
    "registration" DOUBLE PRECISION,
    "sessionid" INTEGER,
    "song" VARCHAR(1024),
    "status" INTEGER,
    "ts" BIGINT NOT NULL,
    "useragent" VARCHAR(2048),
    "userid" VARCHAR(64),
    "source_file" VARCHAR(4096) NOT NULL,
    "source_line" INTEGER NOT NULL
)
DISTSTYLE EVEN;

COPY "_load_staging_events" ("artist", "auth", "firstname", "gender", "iteminsession", "lastname", "length", "level", "location", "method", "page", "registration", "sessionid", "song", "status", "ts", "useragent", "userid", "source_file", "source_line")
FROM 's3://sparkify-staging/runs/<run>/b001-staging_events.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/sparkify-copy'
FORMAT AS JSON 's3://sparkify-staging/runs/<run>/b001-staging_events.jsonpaths'
MANIFEST
GZIP
TIMEFORMAT 'epochmillisecs'
MAXERROR 100000
REGION 'us-west-2'
COMPUPDATE OFF STATUPDATE OFF;

CREATE TEMP TABLE "_load_staging_songs" (
    "num_songs" INTEGER,
    "artist_id" VARCHAR(64) NOT NULL,
    "artist_latitude" DOUBLE PRECISION,
    "artist_longitude" DOUBLE PRECISION,
    "artist_location" VARCHAR(512),
    "artist_name" VARCHAR(1024),
    "song_id" VARCHAR(64) NOT NULL,
    "title" VARCHAR(1024),
    "duration" DOUBLE PRECISION,
    "year" INTEGER,
    "source_file" VARCHAR(4096) NOT NULL,
    "source_line" INTEGER NOT NULL
)
DISTSTYLE EVEN;

COPY "_load_staging_songs" ("num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location", "artist_name", "song_id", "title", "duration", "year", "source_file", "source_line")
FROM 's3://sparkify-staging/runs/<run>/b001-staging_songs.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/sparkify-copy'
FORMAT AS JSON 's3://sparkify-staging/runs/<run>/b001-staging_songs.jsonpaths'
MANIFEST
GZIP
TIMEFORMAT 'epochmillisecs'
MAXERROR 100000
REGION 'us-west-2'
COMPUPDATE OFF STATUPDATE OFF;

SELECT TRIM(file_name), line_number, TRIM(column_name), error_code, TRIM(error_message)
FROM sys_load_error_detail
WHERE TRIM(file_name) LIKE %s
ORDER BY 1, 2;

SELECT COUNT(*) FROM "_load_staging_events";

SELECT source_file, source_line, reason FROM (
    SELECT source_file, source_line, CASE WHEN STRPOS("userid", CHR(10)) > 0 OR STRPOS("userid", CHR(13)) > 0 THEN 'field userId: expected an integer or "", got ' || LEFT("userid", 80)
         WHEN TRIM("userid") !~ '^([+-]?[0-9]{1,10})?$' THEN 'field userId: expected an integer or "", got ' || LEFT("userid", 80)
         WHEN CAST(NULLIF(LTRIM(TRIM("userid"), '+'), '') AS BIGINT) NOT BETWEEN -2147483648 AND 2147483647 THEN 'field userId: expected an integer or "", got ' || LEFT("userid", 80) END AS reason
    FROM "_load_staging_events"
) checked
WHERE reason IS NOT NULL
ORDER BY 1, 2;

INSERT INTO "staging_events" ("artist", "auth", "firstname", "gender", "iteminsession", "lastname", "length", "level", "location", "method", "page", "registration", "sessionid", "song", "status", "ts", "useragent", "userid", "source_file", "source_line")
SELECT RTRIM("artist", ' '),
       RTRIM("auth", ' '),
       RTRIM("firstname", ' '),
       RTRIM("gender", ' '),
       "iteminsession",
       RTRIM("lastname", ' '),
       "length",
       RTRIM("level", ' '),
       RTRIM("location", ' '),
       RTRIM("method", ' '),
       RTRIM("page", ' '),
       "registration",
       "sessionid",
       RTRIM("song", ' '),
       "status",
       "ts",
       RTRIM("useragent", ' '),
       CASE WHEN TRIM("userid") = '' THEN '' ELSE CAST(CAST(LTRIM(TRIM("userid"), '+') AS INTEGER) AS VARCHAR(16)) END,
       "source_file",
       "source_line"
FROM "_load_staging_events"
WHERE (CASE WHEN STRPOS("userid", CHR(10)) > 0 OR STRPOS("userid", CHR(13)) > 0 THEN 'field userId: expected an integer or "", got ' || LEFT("userid", 80)
         WHEN TRIM("userid") !~ '^([+-]?[0-9]{1,10})?$' THEN 'field userId: expected an integer or "", got ' || LEFT("userid", 80)
         WHEN CAST(NULLIF(LTRIM(TRIM("userid"), '+'), '') AS BIGINT) NOT BETWEEN -2147483648 AND 2147483647 THEN 'field userId: expected an integer or "", got ' || LEFT("userid", 80) END) IS NULL;

DROP TABLE IF EXISTS "_load_staging_events";

SELECT COUNT(*) FROM "_load_staging_songs";

SELECT source_file, source_line, reason FROM (
    SELECT source_file, source_line, CASE WHEN RTRIM("artist_id", ' ') = '' THEN 'missing required field artist_id'
         WHEN RTRIM("song_id", ' ') = '' THEN 'missing required field song_id' END AS reason
    FROM "_load_staging_songs"
) checked
WHERE reason IS NOT NULL
ORDER BY 1, 2;

INSERT INTO "staging_songs" ("num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location", "artist_name", "song_id", "title", "duration", "year", "source_file", "source_line")
SELECT "num_songs",
       RTRIM("artist_id", ' '),
       "artist_latitude",
       "artist_longitude",
       RTRIM("artist_location", ' '),
       RTRIM("artist_name", ' '),
       RTRIM("song_id", ' '),
       RTRIM("title", ' '),
       "duration",
       "year",
       "source_file",
       "source_line"
FROM "_load_staging_songs"
WHERE (CASE WHEN RTRIM("artist_id", ' ') = '' THEN 'missing required field artist_id'
         WHEN RTRIM("song_id", ' ') = '' THEN 'missing required field song_id' END) IS NULL;

DROP TABLE IF EXISTS "_load_staging_songs";

CREATE TEMP TABLE "_load_sparkify_manifest" (
    "source_file" VARCHAR(4096) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "size" BIGINT NOT NULL,
    "mtime" DOUBLE PRECISION,
    "checksum" VARCHAR(128) NOT NULL,
    "records" INTEGER NOT NULL,
    "rejected" INTEGER NOT NULL,
    "id_end" BIGINT
)
DISTSTYLE EVEN;

COPY "_load_sparkify_manifest" ("source_file", "kind", "size", "mtime", "checksum", "records", "rejected", "id_end")
FROM 's3://sparkify-staging/runs/<run>/r002-sparkify_manifest.manifest'
IAM_ROLE 'arn:aws:iam::123456789012:role/sparkify-copy'
FORMAT AS JSON 'auto'
MANIFEST
GZIP
TIMEFORMAT 'epochmillisecs'
MAXERROR 0
REGION 'us-west-2'
COMPUPDATE OFF STATUPDATE OFF;

INSERT INTO "sparkify_manifest" ("source_file", "kind", "size", "mtime", "checksum", "records", "rejected", "id_end")
SELECT "source_file", "kind", "size", "mtime", "checksum", "records", "rejected", "id_end" FROM "_load_sparkify_manifest";

DROP TABLE IF EXISTS "_load_sparkify_manifest";

DELETE FROM songplays;

DELETE FROM users;

DELETE FROM songs;

DELETE FROM artists;

DELETE FROM "time";

INSERT INTO songs (song_id, title, artist_id, year, duration)
SELECT song_id, title, artist_id, CASE WHEN year = 0 THEN NULL ELSE year END, duration
FROM (
    SELECT s.*,
           ROW_NUMBER() OVER (
               PARTITION BY s.song_id
               ORDER BY s.source_file, s.source_line
           ) AS rn
    FROM staging_songs s
) ranked
WHERE rn = 1;

INSERT INTO artists (artist_id, name, location, latitude, longitude)
SELECT artist_id, artist_name, NULLIF(artist_location, ''), artist_latitude, artist_longitude
FROM (
    SELECT s.*,
           ROW_NUMBER() OVER (
               PARTITION BY s.artist_id
               ORDER BY s.song_id, s.source_file, s.source_line
           ) AS rn
    FROM staging_songs s
) ranked
WHERE rn = 1;

INSERT INTO users (user_id, first_name, last_name, gender, level)
SELECT user_id, firstname, lastname, gender, level
FROM (
    SELECT CAST(e.userid AS INTEGER) AS user_id, e.firstname, e.lastname, e.gender, e.level,
           ROW_NUMBER() OVER (
    PARTITION BY CAST(e.userid AS INTEGER)
    ORDER BY e.ts DESC, e.iteminsession DESC NULLS LAST, e.sessionid DESC NULLS LAST,
             e.source_file DESC, e.source_line DESC
) AS rn
    FROM staging_events e
    JOIN (
        SELECT userid, MAX(ts) AS ts
        FROM staging_events
        WHERE userid <> ''
        GROUP BY userid
        HAVING MAX(CASE WHEN page = 'NextSong' THEN 1 ELSE 0 END) = 1
    ) latest ON latest.userid = e.userid AND latest.ts = e.ts
) ranked
WHERE rn = 1;

INSERT INTO songplays (
    songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent
)
SELECT e.event_id, (TIMESTAMP 'epoch' + (e.ts / 1000) * INTERVAL '1 second' + (e.ts % 1000) * INTERVAL '0.001 second'), CAST(e.userid AS INTEGER), e.level, m.song_id,
       m.artist_id, e.sessionid, e.location, e.useragent
FROM staging_events e
LEFT JOIN (SELECT title, artist_name, d, song_id, artist_id
FROM (
    SELECT c.title, c.artist_name, c.d, c.song_id, c.artist_id,
           ROW_NUMBER() OVER (
               PARTITION BY c.title, c.artist_name, c.d ORDER BY c.song_id
           ) AS rn
    FROM (
        SELECT s.title, s.artist_name, ROUND(CAST(s.duration AS NUMERIC(38, 10)), 5) AS d, s.song_id, s.artist_id,
               ROW_NUMBER() OVER (
                   PARTITION BY s.song_id
                   ORDER BY s.source_file, s.source_line
               ) AS first_record
        FROM staging_songs s
    ) c
    WHERE c.first_record = 1
      AND c.title IS NOT NULL AND c.artist_name IS NOT NULL AND c.d IS NOT NULL
) candidates
WHERE rn = 1) m
  ON m.title = e.song AND m.artist_name = e.artist AND m.d = ROUND(CAST(e.length AS NUMERIC(38, 10)), 5)
WHERE e.page = 'NextSong' AND e.userid <> '';

INSERT INTO "time" (start_time, hour, day, week, month, year, weekday)
SELECT DISTINCT sp.start_time,
       CAST(EXTRACT(hour FROM sp.start_time) AS INTEGER),
       CAST(EXTRACT(day FROM sp.start_time) AS INTEGER),
       CAST(FLOOR((CAST(EXTRACT(doy FROM sp.start_time + (3 - (CAST(EXTRACT(dow FROM sp.start_time) AS INTEGER) + 6) % 7) * INTERVAL '1 day') AS INTEGER) - 1) / 7) AS INTEGER) + 1,
       CAST(EXTRACT(month FROM sp.start_time) AS INTEGER),
       CAST(EXTRACT(year FROM sp.start_time) AS INTEGER),
       CAST(EXTRACT(dow FROM sp.start_time) AS INTEGER)
FROM songplays sp;

SELECT table_name FROM information_schema.tables WHERE table_schema = %s;

SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM (SELECT 1 FROM "songplays" LIMIT 1) t;

SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM (SELECT 1 FROM "users" LIMIT 1) t;

SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM (SELECT 1 FROM "songs" LIMIT 1) t;

SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM (SELECT 1 FROM "artists" LIMIT 1) t;

SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM (SELECT 1 FROM "time" LIMIT 1) t;

SELECT COALESCE(SUM(CASE WHEN "songplay_id" IS NULL THEN n ELSE n - 1 END), 0) FROM (SELECT "songplay_id", COUNT(*) AS n FROM "songplays" GROUP BY "songplay_id" HAVING COUNT(*) > 1 OR "songplay_id" IS NULL) keys;

SELECT COALESCE(SUM(CASE WHEN "user_id" IS NULL THEN n ELSE n - 1 END), 0) FROM (SELECT "user_id", COUNT(*) AS n FROM "users" GROUP BY "user_id" HAVING COUNT(*) > 1 OR "user_id" IS NULL) keys;

SELECT COALESCE(SUM(CASE WHEN "song_id" IS NULL THEN n ELSE n - 1 END), 0) FROM (SELECT "song_id", COUNT(*) AS n FROM "songs" GROUP BY "song_id" HAVING COUNT(*) > 1 OR "song_id" IS NULL) keys;

SELECT COALESCE(SUM(CASE WHEN "artist_id" IS NULL THEN n ELSE n - 1 END), 0) FROM (SELECT "artist_id", COUNT(*) AS n FROM "artists" GROUP BY "artist_id" HAVING COUNT(*) > 1 OR "artist_id" IS NULL) keys;

SELECT COALESCE(SUM(CASE WHEN "start_time" IS NULL THEN n ELSE n - 1 END), 0) FROM (SELECT "start_time", COUNT(*) AS n FROM "time" GROUP BY "start_time" HAVING COUNT(*) > 1 OR "start_time" IS NULL) keys;

SELECT COUNT(*) FROM "songplays" c LEFT JOIN "time" p ON c."start_time" = p."start_time" WHERE c."start_time" IS NOT NULL AND p."start_time" IS NULL;

SELECT COUNT(*) FROM "songplays" c LEFT JOIN "users" p ON c."user_id" = p."user_id" WHERE c."user_id" IS NOT NULL AND p."user_id" IS NULL;

SELECT COUNT(*) FROM "songplays" c LEFT JOIN "songs" p ON c."song_id" = p."song_id" WHERE c."song_id" IS NOT NULL AND p."song_id" IS NULL;

SELECT COUNT(*) FROM "songplays" c LEFT JOIN "artists" p ON c."artist_id" = p."artist_id" WHERE c."artist_id" IS NOT NULL AND p."artist_id" IS NULL;

SELECT COUNT(*) FROM "songs" c LEFT JOIN "artists" p ON c."artist_id" = p."artist_id" WHERE c."artist_id" IS NOT NULL AND p."artist_id" IS NULL;

SELECT ABS((SELECT COUNT(*) FROM songplays) - (SELECT COUNT(*) FROM staging_events WHERE page = 'NextSong' AND userid <> ''));

SELECT ABS((SELECT COUNT(*) FROM staging_events) + (SELECT COUNT(*) FROM staging_songs) - (SELECT COALESCE(SUM(records - rejected), 0) FROM sparkify_manifest)) + ABS((SELECT COUNT(*) FROM load_errors) - (SELECT COALESCE(SUM(rejected), 0) FROM sparkify_manifest));

SELECT COUNT(*) FROM load_errors;

SELECT CASE WHEN COUNT(*) = 0 THEN 0 ELSE CAST(COUNT(song_id) AS DOUBLE PRECISION) / COUNT(*) END FROM songplays;

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
FROM 's3://sparkify-staging/runs/<run>/r003-sparkify_runs.manifest'
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

SELECT user_id, start_time, song_id, artist_id FROM songplays WHERE song_id IS NOT NULL;
