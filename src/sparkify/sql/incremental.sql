-- Incremental maintenance of the star schema when a run only ADDS files (no file changed, no
-- full refresh): the result equals transform.sql's full rebuild (tests pin incremental = full),
-- at a cost that follows the new data. Each `?` is the largest event_id staged before the run:
-- events above it are new. Runs that stage no song record skip the steps marked "songs:".
-- _song_match_before holds the song-match candidates as they were
-- before the run's files were staged (statement `song_match_before` in snapshot.sql).

-- name: drop_song_match_after
DROP TABLE IF EXISTS _song_match_after;

-- name: song_match_after
CREATE TEMP TABLE _song_match_after AS {{fragment:song_match}};

-- name: drop_changed_keys
DROP TABLE IF EXISTS _changed_keys;

-- name: changed_keys
-- Match keys whose winning song changed, appeared or disappeared with the new song records.
CREATE TEMP TABLE _changed_keys AS
SELECT DISTINCT title, artist_name, d
FROM (
    (SELECT * FROM _song_match_before EXCEPT SELECT * FROM _song_match_after)
    UNION ALL
    (SELECT * FROM _song_match_after EXCEPT SELECT * FROM _song_match_before)
) changed;

-- name: clear_songs
{{clear:songs}};

-- name: songs
INSERT INTO songs (song_id, title, artist_id, year, duration)
{{fragment:song_rows}};

-- name: clear_artists
{{clear:artists}};

-- name: artists
INSERT INTO artists (artist_id, name, location, latitude, longitude)
{{fragment:artist_rows}};

-- name: rematch_songplays
-- Earlier plays whose match key changed get the key's new song (or none).
UPDATE songplays
SET song_id = m.song_id, artist_id = m.artist_id
FROM (
    SELECT e.event_id, a.song_id, a.artist_id
    FROM staging_events e
    JOIN _changed_keys k
      ON k.title = e.song AND k.artist_name = e.artist AND k.d = {{round5:e.length}}
    LEFT JOIN _song_match_after a
      ON a.title = k.title AND a.artist_name = k.artist_name AND a.d = k.d
    WHERE e.event_id <= ? AND e.page = 'NextSong' AND e.userid <> ''
) m
WHERE songplays.songplay_id = m.event_id;

-- name: new_songplays
INSERT INTO songplays (
    songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent
)
SELECT e.event_id, {{epoch_ms:e.ts}}, CAST(e.userid AS INTEGER), e.level, m.song_id,
       m.artist_id, e.sessionid, e.location, e.useragent
FROM staging_events e
LEFT JOIN _song_match_after m
  ON m.title = e.song AND m.artist_name = e.artist AND m.d = {{round5:e.length}}
WHERE e.event_id > ? AND e.page = 'NextSong' AND e.userid <> '';

-- name: drop_affected_users
DROP TABLE IF EXISTS _affected_users;

-- name: affected_users
CREATE TEMP TABLE _affected_users AS
SELECT DISTINCT userid
FROM staging_events
WHERE event_id > ? AND userid <> '';

-- name: delete_users
DELETE FROM users
WHERE user_id IN (SELECT CAST(userid AS INTEGER) FROM _affected_users);

-- name: insert_users
-- The same rule as the full rebuild (fragment latest_user_events), over affected users only.
INSERT INTO users (user_id, first_name, last_name, gender, level)
SELECT user_id, firstname, lastname, gender, level
FROM (
    SELECT CAST(e.userid AS INTEGER) AS user_id, e.firstname, e.lastname, e.gender, e.level,
           {{fragment:latest_user_order}} AS rn
    FROM staging_events e
    JOIN (
        SELECT s.userid, MAX(s.ts) AS ts
        FROM staging_events s
        JOIN _affected_users a ON a.userid = s.userid
        GROUP BY s.userid
        HAVING MAX(CASE WHEN s.page = 'NextSong' THEN 1 ELSE 0 END) = 1
    ) latest ON latest.userid = e.userid AND latest.ts = e.ts
) ranked
WHERE rn = 1;

-- name: new_time
INSERT INTO "time" (start_time, hour, day, week, month, year, weekday)
{{fragment:time_rows}}
FROM songplays sp
WHERE sp.songplay_id > ?
  AND NOT EXISTS (SELECT 1 FROM "time" t WHERE t.start_time = sp.start_time);
