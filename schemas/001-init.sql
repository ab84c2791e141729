-- 001-init: the whole first data model (DESIGN.md, "Data model").
--
-- Topics (the programme's temas), sessions as their VEVENT text plus index
-- columns derived from it on every write, the organisations (OSCs), their
-- addresses and subscriptions, alarms, the durable outbox, the audit log,
-- and a small key/value table for change stamps (feeds' ETags must change
-- after a delete too). All instants are UTC seconds since the epoch.
-- store.c runs this in one transaction that also sets PRAGMA user_version.

-- The programme's temas. code "1.2" (ordered by its integer parts by the
-- store), slug "cambio-climatico" (feeds, subscriptions), nombre the short
-- Spanish name, title the programme's long title. remind: the topic's
-- default reminder offsets in seconds before a session, comma separated
-- ("604800,86400,7200"); NULL means the global defaults.
CREATE TABLE topic (
	code   TEXT PRIMARY KEY,
	slug   TEXT NOT NULL UNIQUE,
	nombre TEXT NOT NULL,
	title  TEXT,
	remind TEXT
);

-- One session. ical is the truth (BEGIN:VEVENT ... END:VEVENT); the other
-- columns are derived from it by store_event_put. short_id is the uid's
-- part before '@'. dtstart_utc/dtend_utc are the span [start, end); for an
-- undecided session (kind tbd or approx) they are its window's span, which
-- tbd_from/tbd_to also hold (NULL for a dated session).
CREATE TABLE event (
	uid         TEXT PRIMARY KEY,
	short_id    TEXT NOT NULL UNIQUE,
	seq         INTEGER NOT NULL DEFAULT 0,
	ical        TEXT NOT NULL,
	status      TEXT NOT NULL
	            CHECK (status IN ('CONFIRMED', 'TENTATIVE', 'CANCELLED')),
	kind        TEXT NOT NULL
	            CHECK (kind IN ('date', 'range', 'tbd', 'approx')),
	dtstart_utc INTEGER NOT NULL,
	dtend_utc   INTEGER NOT NULL,
	tbd_from    INTEGER,
	tbd_to      INTEGER,
	updated_at  INTEGER NOT NULL
);
CREATE INDEX event_by_start ON event (dtstart_utc, uid);

-- A session's topics, by slug (a renamed slug follows).
CREATE TABLE event_topic (
	uid   TEXT NOT NULL REFERENCES event (uid) ON DELETE CASCADE,
	topic TEXT NOT NULL REFERENCES topic (slug) ON UPDATE CASCADE,
	PRIMARY KEY (uid, topic)
);
CREATE INDEX event_topic_by_topic ON event_topic (topic, uid);

-- A civil-society organisation (OSC). contact is the person's name; state
-- the Mexican state (estado) it is based in, such as 'Jalisco' (NULL when
-- not given). Removing an organisation deletes it, its addresses and its
-- subscriptions; ending a subscription is subscription.active = 0. token
-- is the secret of its private feed (/calendarios/osc/<token>.ics).
-- AUTOINCREMENT: a removed organisation's number is never given again
-- (the outbox and the audit log still name it).
CREATE TABLE osc (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL,
	contact    TEXT,
	state      TEXT,
	token      TEXT UNIQUE,
	created_at INTEGER NOT NULL
);
CREATE INDEX osc_by_name ON osc (name);

-- Every address an organisation receives mail at (one or more, in the
-- order pos given). An address belongs to one organisation only, compared
-- without regard to ASCII case.
CREATE TABLE osc_email (
	osc_id INTEGER NOT NULL REFERENCES osc (id) ON DELETE CASCADE,
	pos    INTEGER NOT NULL,
	email  TEXT NOT NULL COLLATE NOCASE,
	UNIQUE (email)
);
CREATE INDEX osc_email_by_osc ON osc_email (osc_id, pos);

-- An organisation follows a topic (by slug). active = 0 keeps the history
-- of a subscription that was ended.
CREATE TABLE subscription (
	osc_id     INTEGER NOT NULL REFERENCES osc (id) ON DELETE CASCADE,
	topic      TEXT NOT NULL REFERENCES topic (slug)
	           ON UPDATE CASCADE ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	active     INTEGER NOT NULL DEFAULT 1,
	PRIMARY KEY (osc_id, topic)
);
CREATE INDEX subscription_by_topic ON subscription (topic, active);

-- A reminder of one version (seq) of a session, offset_s seconds before
-- it, due at due_utc. state: 'pending', then 'expanded' once its outbox
-- rows exist, or 'skipped'.
CREATE TABLE alarm (
	uid      TEXT NOT NULL REFERENCES event (uid) ON DELETE CASCADE,
	seq      INTEGER NOT NULL,
	offset_s INTEGER NOT NULL,
	due_utc  INTEGER NOT NULL,
	state    TEXT NOT NULL DEFAULT 'pending',
	PRIMARY KEY (uid, seq, offset_s)
);
CREATE INDEX alarm_by_due ON alarm (state, due_utc);

-- One message to one organisation: kind 'reminder' (offset_s before the
-- session), 'update' or 'cancel' (offset_s 0). The UNIQUE key makes
-- expanding an alarm twice a no-op. state: 'pending' (waiting or retrying
-- at next_try_utc), 'sent' (sent_at), 'failed' (for good, last_error) or
-- 'skipped'. No foreign keys: the outbox outlives sessions and keeps the
-- history of what was sent.
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY,
	uid          TEXT NOT NULL,
	seq          INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	offset_s     INTEGER NOT NULL DEFAULT 0,
	osc_id       INTEGER NOT NULL,
	message_id   TEXT,
	due_utc      INTEGER NOT NULL,
	next_try_utc INTEGER NOT NULL,
	tries        INTEGER NOT NULL DEFAULT 0,
	state        TEXT NOT NULL DEFAULT 'pending',
	last_error   TEXT,
	sent_at      INTEGER,
	UNIQUE (uid, seq, kind, offset_s, osc_id)
);
CREATE INDEX outbox_by_state ON outbox (state, next_try_utc);

-- Who changed what: peer_uid from SO_PEERCRED (NULL if unknown), action
-- ("event.add", "import"), target (a UID, a file name), before/after as
-- JSON or text.
CREATE TABLE audit (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,
	peer_uid INTEGER,
	action   TEXT NOT NULL,
	target   TEXT,
	before   TEXT,
	after    TEXT
);
CREATE INDEX audit_by_target ON audit (target, id);

-- Change stamps: 'changed_at' (any session or topic) and
-- 'changed_at:<slug>' (a topic's feed), in UTC seconds.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value
);
