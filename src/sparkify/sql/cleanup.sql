-- Temp tables of a run, dropped at its end.

-- name: drop_song_match_before
DROP TABLE IF EXISTS _song_match_before;

-- name: drop_song_match_after
DROP TABLE IF EXISTS _song_match_after;

-- name: drop_changed_keys
DROP TABLE IF EXISTS _changed_keys;

-- name: drop_affected_users
DROP TABLE IF EXISTS _affected_users;
