-- The star schema, rebuilt from staging inside the run's transaction (DESIGN.md §3).
-- Portable SQL for DuckDB, PostgreSQL and Redshift; {{macro:arg}} markers are expanded by
-- the dialect's renderer (sparkify.schema.render). songplay_id is the staged event's
-- event_id, so a rebuild never renumbers plays.

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
SELECT song_id, title, artist_id, CASE WHEN year = 0 THEN NULL ELSE year END, duration
FROM (
    SELECT s.*,
           ROW_NUMBER() OVER (
               PARTITION BY s.song_id
               ORDER BY {{bytes:s.source_file}}, s.source_line
           ) AS rn
    FROM staging_songs s
) ranked
WHERE rn = 1;

-- name: artists
-- One row per artist_id: the values of the record with the smallest song_id (then first by file
-- and line), NULLs included, so this is not arg_min.
INSERT INTO artists (artist_id, name, location, latitude, longitude)
SELECT artist_id, artist_name, NULLIF(artist_location, ''), artist_latitude, artist_longitude
FROM (
    SELECT s.*,
           ROW_NUMBER() OVER (
               PARTITION BY s.artist_id
               ORDER BY {{bytes:s.song_id}}, {{bytes:s.source_file}}, s.source_line
           ) AS rn
    FROM staging_songs s
) ranked
WHERE rn = 1;

-- name: users
-- Users with at least one play; attributes from their latest event of any page.
INSERT INTO users (user_id, first_name, last_name, gender, level)
SELECT user_id, firstname, lastname, gender, level
FROM (
    SELECT CAST(e.userid AS INTEGER) AS user_id, e.firstname, e.lastname, e.gender, e.level,
           ROW_NUMBER() OVER (
               PARTITION BY CAST(e.userid AS INTEGER)
               ORDER BY e.ts DESC, e.iteminsession DESC NULLS LAST, e.sessionid DESC NULLS LAST,
                        {{bytes:e.source_file}} DESC, e.source_line DESC
           ) AS rn
    FROM staging_events e
    WHERE e.userid <> ''
      AND e.userid IN (
          SELECT p.userid FROM staging_events p WHERE p.page = 'NextSong' AND p.userid <> ''
      )
) ranked
WHERE rn = 1;

-- name: songplays
-- One row per NextSong event with a user id; the song matched on title, artist name and
-- duration rounded to 5 decimals, the smallest song_id winning; unmatched plays are kept.
INSERT INTO songplays (
    songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent
)
SELECT e.event_id, {{epoch_ms:e.ts}}, CAST(e.userid AS INTEGER), e.level, m.song_id,
       m.artist_id, e.sessionid, e.location, e.useragent
FROM staging_events e
LEFT JOIN (
    SELECT title, artist_name, d, song_id, artist_id
    FROM (
        SELECT c.title, c.artist_name, c.d, c.song_id, c.artist_id,
               ROW_NUMBER() OVER (
                   PARTITION BY c.title, c.artist_name, c.d ORDER BY {{bytes:c.song_id}}
               ) AS rn
        FROM (
            SELECT s.title, s.artist_name, {{round5:s.duration}} AS d, s.song_id, s.artist_id,
                   ROW_NUMBER() OVER (
                       PARTITION BY s.song_id
                       ORDER BY {{bytes:s.source_file}}, s.source_line
                   ) AS first_record
            FROM staging_songs s
        ) c
        WHERE c.first_record = 1
          AND c.title IS NOT NULL AND c.artist_name IS NOT NULL AND c.d IS NOT NULL
    ) candidates
    WHERE rn = 1
) m
  ON m.title = e.song AND m.artist_name = e.artist AND m.d = {{round5:e.length}}
WHERE e.page = 'NextSong' AND e.userid <> '';

-- name: time
-- One row per distinct play start time; weekday 0 = Sunday, week is the ISO week.
INSERT INTO "time" (start_time, hour, day, week, month, year, weekday)
SELECT DISTINCT start_time,
       CAST(EXTRACT(hour FROM start_time) AS INTEGER),
       CAST(EXTRACT(day FROM start_time) AS INTEGER),
       CAST(EXTRACT(week FROM start_time) AS INTEGER),
       CAST(EXTRACT(month FROM start_time) AS INTEGER),
       CAST(EXTRACT(year FROM start_time) AS INTEGER),
       CAST(EXTRACT(dow FROM start_time) AS INTEGER)
FROM songplays;
