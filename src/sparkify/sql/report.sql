-- The analytics behind `sparkify report` (docs/queries.md lists them with the question each
-- one answers). Portable SQL for DuckDB, PostgreSQL and Redshift; {{bytes:x}} makes text
-- tie-breaks compare byte by byte, so every target returns the same rows in the same order.
-- "Plays" are songplays rows; "as logged" means the title and artist the app wrote in its log
-- (staging_events), whether or not the song matched the catalogue.

-- name: overview
-- Plays, listeners, sessions, days and the catalogue-matched and paid plays, in one row.
SELECT COUNT(*) AS plays,
       COUNT(DISTINCT user_id) AS listeners,
       (SELECT COUNT(*) FROM (SELECT DISTINCT user_id, session_id FROM songplays) s) AS sessions,
       COUNT(DISTINCT CAST(start_time AS DATE)) AS days,
       MIN(start_time) AS first_play,
       MAX(start_time) AS last_play,
       COUNT(song_id) AS matched_plays,
       SUM(CASE WHEN level = 'paid' THEN 1 ELSE 0 END) AS paid_plays
FROM songplays;

-- name: events
-- Staged log events: all of them, the plays among them, and those of logged-out visitors.
SELECT COUNT(*) AS events,
       SUM(CASE WHEN page = 'NextSong' AND userid <> '' THEN 1 ELSE 0 END) AS play_events,
       SUM(CASE WHEN userid = '' THEN 1 ELSE 0 END) AS logged_out_events
FROM staging_events;

-- name: files_loaded
-- Input files in the manifest, per kind, with their records, rejected records and bytes.
SELECT kind, COUNT(*) AS files, SUM(records) AS records, SUM(rejected) AS rejected,
       SUM(size) AS bytes
FROM sparkify_manifest
GROUP BY kind
ORDER BY kind;

-- name: rejection_reasons
-- Why input records were rejected, most frequent reason first.
SELECT reason, COUNT(*) AS records
FROM load_errors
GROUP BY reason
ORDER BY records DESC, {{bytes:reason}}
LIMIT 5;

-- name: plays_by_day
-- Plays per calendar day (UTC).
SELECT t.year, t.month, t.day, COUNT(*) AS plays
FROM songplays sp
JOIN "time" t ON t.start_time = sp.start_time
GROUP BY t.year, t.month, t.day
ORDER BY t.year, t.month, t.day;

-- name: plays_by_hour
-- Plays per hour of the day (UTC, 0-23).
SELECT t.hour, COUNT(*) AS plays
FROM songplays sp
JOIN "time" t ON t.start_time = sp.start_time
GROUP BY t.hour
ORDER BY t.hour;

-- name: plays_by_weekday
-- Plays per day of the week (0 = Sunday ... 6 = Saturday).
SELECT t.weekday, COUNT(*) AS plays
FROM songplays sp
JOIN "time" t ON t.start_time = sp.start_time
GROUP BY t.weekday
ORDER BY t.weekday;

-- name: top_songs_logged
-- The ten most played songs as logged (title and artist from the log), matched or not.
SELECT song AS title, artist, COUNT(*) AS plays
FROM staging_events
WHERE page = 'NextSong' AND userid <> ''
GROUP BY song, artist
ORDER BY plays DESC, {{bytes:song}}, {{bytes:artist}}
LIMIT 10;

-- name: top_artists_logged
-- The ten most played artists as logged, with how many different songs of theirs were played.
SELECT artist, COUNT(*) AS plays, COUNT(DISTINCT song) AS songs
FROM staging_events
WHERE page = 'NextSong' AND userid <> ''
GROUP BY artist
ORDER BY plays DESC, {{bytes:artist}}
LIMIT 10;

-- name: top_songs_matched
-- The ten most played catalogue songs (plays matched to the songs dimension).
SELECT s.song_id, s.title, a.name AS artist, COUNT(*) AS plays
FROM songplays sp
JOIN songs s ON s.song_id = sp.song_id
LEFT JOIN artists a ON a.artist_id = s.artist_id
GROUP BY s.song_id, s.title, a.name
ORDER BY plays DESC, {{bytes:s.song_id}}
LIMIT 10;

-- name: top_artists_matched
-- The ten most played catalogue artists (plays matched to the artists dimension).
SELECT a.artist_id, a.name, COUNT(*) AS plays
FROM songplays sp
JOIN artists a ON a.artist_id = sp.artist_id
GROUP BY a.artist_id, a.name
ORDER BY plays DESC, {{bytes:a.artist_id}}
LIMIT 10;

-- name: plays_by_level
-- Plays and listeners on the free and the paid level (a user who changed level counts in both).
SELECT level, COUNT(*) AS plays, COUNT(DISTINCT user_id) AS listeners
FROM songplays
GROUP BY level
ORDER BY {{bytes:level}};

-- name: users_by_level
-- Users per current level (their latest event).
SELECT level, COUNT(*) AS users
FROM users
GROUP BY level
ORDER BY {{bytes:level}};

-- name: top_locations
-- The ten locations with the most plays, with their listeners.
SELECT location, COUNT(*) AS plays, COUNT(DISTINCT user_id) AS listeners
FROM songplays
GROUP BY location
ORDER BY plays DESC, {{bytes:location}}
LIMIT 10;

-- name: top_listeners
-- The ten listeners with the most plays, with their name and current level.
SELECT sp.user_id, u.first_name, u.last_name, u.level, COUNT(*) AS plays
FROM songplays sp
LEFT JOIN users u ON u.user_id = sp.user_id
GROUP BY sp.user_id, u.first_name, u.last_name, u.level
ORDER BY plays DESC, sp.user_id
LIMIT 10;

-- name: user_activity
-- How many users played how many songs: one row per distinct number of plays.
SELECT plays, COUNT(*) AS users
FROM (SELECT user_id, COUNT(*) AS plays FROM songplays GROUP BY user_id) per_user
GROUP BY plays
ORDER BY plays;
