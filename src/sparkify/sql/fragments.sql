-- Subqueries shared by transform.sql and incremental.sql, included as {{fragment:NAME}}.

-- name: song_rows
-- One row per song_id: the record that comes first by (source_file, source_line).
SELECT song_id, title, artist_id, CASE WHEN year = 0 THEN NULL ELSE year END, duration
FROM (
    SELECT s.*,
           ROW_NUMBER() OVER (
               PARTITION BY s.song_id
               ORDER BY {{bytes:s.source_file}}, s.source_line
           ) AS rn
    FROM staging_songs s
) ranked
WHERE rn = 1

-- name: artist_rows
-- One row per artist_id: the values of the record with the smallest song_id (then first by
-- file and line), NULLs included, so this is not arg_min.
SELECT artist_id, artist_name, NULLIF(artist_location, ''), artist_latitude, artist_longitude
FROM (
    SELECT s.*,
           ROW_NUMBER() OVER (
               PARTITION BY s.artist_id
               ORDER BY {{bytes:s.song_id}}, {{bytes:s.source_file}}, s.source_line
           ) AS rn
    FROM staging_songs s
) ranked
WHERE rn = 1

-- name: time_rows
-- The time attributes of songplays rows `sp` (the caller adds FROM/WHERE); weekday 0 = Sunday,
-- week is the ISO week, computed (macro iso_week), not read from the engine's EXTRACT(week).
SELECT DISTINCT sp.start_time,
       CAST(EXTRACT(hour FROM sp.start_time) AS INTEGER),
       CAST(EXTRACT(day FROM sp.start_time) AS INTEGER),
       {{iso_week:sp.start_time}},
       CAST(EXTRACT(month FROM sp.start_time) AS INTEGER),
       CAST(EXTRACT(year FROM sp.start_time) AS INTEGER),
       CAST(EXTRACT(dow FROM sp.start_time) AS INTEGER)

-- name: song_match
-- For each (title, artist name, duration rounded to 5 decimals) of the catalogue, the song
-- with the smallest song_id, using each song_id's first record by (file, line), as `songs`.
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

-- name: latest_user_order
-- Which of a user's events is the latest: greatest ts, itemInSession, sessionId (NULLs last),
-- then the last record by file and line.
ROW_NUMBER() OVER (
    PARTITION BY CAST(e.userid AS INTEGER)
    ORDER BY e.ts DESC, e.iteminsession DESC NULLS LAST, e.sessionid DESC NULLS LAST,
             {{bytes:e.source_file}} DESC, e.source_line DESC
)

-- name: latest_user_events
-- Each user's latest event of any page, for users with at least one play. Only the events at
-- a user's greatest ts can be the latest, so a hash aggregate finds them and the window
-- orders just those few rows.
SELECT user_id, firstname, lastname, gender, level
FROM (
    SELECT CAST(e.userid AS INTEGER) AS user_id, e.firstname, e.lastname, e.gender, e.level,
           {{fragment:latest_user_order}} AS rn
    FROM staging_events e
    JOIN (
        SELECT userid, MAX(ts) AS ts
        FROM staging_events
        WHERE userid <> ''
        GROUP BY userid
        HAVING MAX(CASE WHEN page = 'NextSong' THEN 1 ELSE 0 END) = 1
    ) latest ON latest.userid = e.userid AND latest.ts = e.ts
) ranked
WHERE rn = 1
