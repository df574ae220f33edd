-- Documents attached and pages printed join the closed set of kinds (service:
-- the catalogue id, or empty), and the outbox of hours the collector has not
-- yet got in their present state. SQLite cannot change a CHECK in place: the
-- events table is rebuilt.
CREATE TABLE events_v3 (
	id       INTEGER PRIMARY KEY,
	hour     TEXT    NOT NULL CHECK (hour GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]'),
	kiosk    TEXT    NOT NULL,
	session  INTEGER NOT NULL CHECK (session BETWEEN 0 AND 4294967295),
	kind     TEXT    NOT NULL CHECK (kind IN ('session_start', 'session_end', 'language', 'tile_opened', 'help_pressed', 'fault',
	                                          'document_attached', 'page_printed')),
	service  TEXT    NOT NULL DEFAULT '' CHECK (length(service) <= 40),
	screen   TEXT    NOT NULL DEFAULT '' CHECK (length(screen) <= 40),
	outcome  TEXT    NOT NULL DEFAULT '' CHECK (length(outcome) <= 40),
	duration TEXT    NOT NULL DEFAULT '' CHECK (duration IN ('', 'lt1m', '1-5m', '5-15m', '15-30m', '30-60m', 'gt60m')),
	lang     TEXT    NOT NULL DEFAULT '' CHECK (length(lang) <= 40),
	error    TEXT    NOT NULL DEFAULT '' CHECK (length(error) <= 40)
) STRICT;
INSERT INTO events_v3 SELECT * FROM events;
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_kind_hour ON events (kind, hour);
CREATE INDEX events_hour ON events (hour);

-- One row per (kiosk, hour) whose counts changed since the collector last
-- acknowledged them. gen grows with every event of that hour, so an
-- acknowledgement of an older state leaves the row for the next push: the
-- collector replaces an hour's counts as a whole, so pushing it again never
-- counts twice. The trigger sits in the same transaction as the insert: an
-- event is never stored without its hour being due.
CREATE TABLE push_outbox (
	kiosk TEXT    NOT NULL,
	hour  TEXT    NOT NULL,
	gen   INTEGER NOT NULL DEFAULT 1,
	PRIMARY KEY (kiosk, hour)
) STRICT, WITHOUT ROWID;
INSERT INTO push_outbox (kiosk, hour) SELECT DISTINCT kiosk, hour FROM events;
CREATE TRIGGER events_due AFTER INSERT ON events BEGIN
	INSERT INTO push_outbox (kiosk, hour) VALUES (NEW.kiosk, NEW.hour)
	ON CONFLICT (kiosk, hour) DO UPDATE SET gen = gen + 1;
END;
