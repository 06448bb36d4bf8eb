-- Taken inside the run's transaction before new files are staged, for incremental.sql.

-- name: drop_song_match_before
DROP TABLE IF EXISTS _song_match_before;

-- name: song_match_before
CREATE TEMP TABLE _song_match_before AS {{fragment:song_match}};
