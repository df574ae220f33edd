-- Anonymous usage events, as design.md's privacy rules allow them: the hour
-- (kiosk-local), a random per-session number and closed-vocabulary ids only.
CREATE TABLE events (
	id       INTEGER PRIMARY KEY,
	hour     TEXT    NOT NULL CHECK (hour GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]'),
	kiosk    TEXT    NOT NULL,
	session  INTEGER NOT NULL CHECK (session BETWEEN 0 AND 4294967295),
	kind     TEXT    NOT NULL CHECK (kind IN ('session_start', 'session_end', 'language', 'tile_opened', 'help_pressed')),
	service  TEXT    NOT NULL DEFAULT '' CHECK (length(service) <= 40),
	screen   TEXT    NOT NULL DEFAULT '' CHECK (length(screen) <= 40),
	outcome  TEXT    NOT NULL DEFAULT '' CHECK (length(outcome) <= 40),
	duration TEXT    NOT NULL DEFAULT '' CHECK (duration IN ('', 'lt1m', '1-5m', '5-15m', '15-30m', '30-60m', 'gt60m')),
	lang     TEXT    NOT NULL DEFAULT '' CHECK (length(lang) <= 40),
	error    TEXT    NOT NULL DEFAULT '' CHECK (length(error) <= 40)
) STRICT;

-- The report reads one kind over a range of hours; the purge reads hours only.
CREATE INDEX events_kind_hour ON events (kind, hour);
CREATE INDEX events_hour ON events (hour);
