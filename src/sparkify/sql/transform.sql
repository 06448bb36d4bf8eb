-- The star schema, rebuilt from staging inside the run's transaction.
-- Portable SQL for DuckDB, PostgreSQL and Redshift; {{macro:arg}} markers are expanded by
-- the dialect's renderer (sparkify.schema.render), {{fragment:NAME}} by sparkify.sql from
-- fragments.sql. songplay_id is the staged event's event_id, so a rebuild never renumbers
-- plays. incremental.sql maintains the same tables when a run only adds files.

-- name: clear_songplays
{{clear:songplays}};

-- name: clear_users
{{clear:users}};

-- name: clear_songs
{{clear:songs}};

-- name: clear_artists
{{clear:artists}};

-- name: clear_time
{{clear:"time"}};

-- name: songs
-- One row per song_id: the record that comes first by (source_file, source_line).
INSERT INTO songs (song_id, title, artist_id, year, duration)
{{fragment:song_rows}};

-- name: artists
-- One row per artist_id: the values of the record with the smallest song_id (then first by file
-- and line), NULLs included, so this is not arg_min.
INSERT INTO artists (artist_id, name, location, latitude, longitude)
{{fragment:artist_rows}};

-- name: users
-- Users with at least one play; attributes from their latest event of any page.
INSERT INTO users (user_id, first_name, last_name, gender, level)
{{fragment:latest_user_events}};

-- name: songplays
-- One row per NextSong event with a user id; the song matched on title, artist name and
-- duration rounded to 5 decimals, the smallest song_id winning; unmatched plays are kept.
INSERT INTO songplays (
    songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent
)
SELECT e.event_id, {{epoch_ms:e.ts}}, CAST(e.userid AS INTEGER), e.level, m.song_id,
       m.artist_id, e.sessionid, e.location, e.useragent
FROM staging_events e
LEFT JOIN ({{fragment:song_match}}) m
  ON m.title = e.song AND m.artist_name = e.artist AND m.d = {{round5:e.length}}
WHERE e.page = 'NextSong' AND e.userid <> '';

-- name: time
-- One row per distinct play start time; weekday 0 = Sunday, week is the ISO week.
INSERT INTO "time" (start_time, hour, day, week, month, year, weekday)
{{fragment:time_rows}}
FROM songplays sp;
