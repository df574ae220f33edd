-- The kiosks allowed to push: each with the hash of the key made at its
-- enrolment, its territory and site for the reports. A revoked kiosk stays
-- listed (its past counts keep their place) but can push no more.
CREATE TABLE kiosks (
	id           text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_.-]{0,39}$'),
	territory    text        NOT NULL CHECK (territory ~ '^[a-z0-9][a-z0-9_.-]{0,39}$'),
	site         text        NOT NULL CHECK (site ~ '^[a-z0-9][a-z0-9_.-]{0,39}$'),
	key_sha256   text        NOT NULL CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
	enrolled_at  timestamptz NOT NULL DEFAULT now(),
	revoked_at   timestamptz,
	last_push_at timestamptz
);
CREATE INDEX kiosks_territory ON kiosks (territory);

-- Anonymous hourly counts, as kiosks push them: per kiosk-local hour,
-- dimension and value of the closed vocabulary (kiosk/usage PushDims).
-- A push replaces a kiosk's hours as a whole, hence the primary key.
CREATE TABLE counts (
	kiosk text      NOT NULL REFERENCES kiosks (id),
	hour  timestamp NOT NULL CHECK (date_trunc('hour', hour) = hour),
	dim   text      NOT NULL CHECK (dim IN ('sessions', 'service', 'end', 'duration', 'lang', 'help', 'fault', 'document', 'page')),
	value text      NOT NULL CHECK (length(value) <= 81),
	n     integer   NOT NULL CHECK (n > 0),
	PRIMARY KEY (kiosk, hour, dim, value)
);
-- The retention purge reads hours only.
CREATE INDEX counts_hour ON counts (hour);
