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
