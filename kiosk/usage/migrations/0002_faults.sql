-- Device faults join the closed set of kinds (screen: the device, error: its
-- code). SQLite cannot change a CHECK in place: the table is rebuilt.
CREATE TABLE events_v2 (
	id       INTEGER PRIMARY KEY,
	hour     TEXT    NOT NULL CHECK (hour GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]'),
	kiosk    TEXT    NOT NULL,
	session  INTEGER NOT NULL CHECK (session BETWEEN 0 AND 4294967295),
	kind     TEXT    NOT NULL CHECK (kind IN ('session_start', 'session_end', 'language', 'tile_opened', 'help_pressed', 'fault')),
	service  TEXT    NOT NULL DEFAULT '' CHECK (length(service) <= 40),
	screen   TEXT    NOT NULL DEFAULT '' CHECK (length(screen) <= 40),
	outcome  TEXT    NOT NULL DEFAULT '' CHECK (length(outcome) <= 40),
	duration TEXT    NOT NULL DEFAULT '' CHECK (duration IN ('', 'lt1m', '1-5m', '5-15m', '15-30m', '30-60m', 'gt60m')),
	lang     TEXT    NOT NULL DEFAULT '' CHECK (length(lang) <= 40),
	error    TEXT    NOT NULL DEFAULT '' CHECK (length(error) <= 40)
) STRICT;
INSERT INTO events_v2 SELECT * FROM events;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_kind_hour ON events (kind, hour);
CREATE INDEX events_hour ON events (hour);
