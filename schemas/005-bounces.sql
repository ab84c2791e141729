-- 005-bounces: what came back to the bounce address. Mail to an address
-- that bounces for good stops at once; one that bounces now and then is
-- counted, and stops after [bounces] transient_limit such bounces within
-- transient_days.

-- What is known of one address, kept by the address (not its
-- organisation's row) so that editing an organisation's addresses keeps
-- it. disabled_at NULL: mail goes to it. soft_count transient bounces
-- since soft_first (the window's start). `cronoctl osc enable` clears the
-- row's state.
CREATE TABLE address_state (
	email       TEXT PRIMARY KEY COLLATE NOCASE,
	disabled_at INTEGER,
	reason      TEXT,
	soft_count  INTEGER NOT NULL DEFAULT 0,
	soft_first  INTEGER,
	last_at     INTEGER NOT NULL
) WITHOUT ROWID;

-- Every failure report read, for staff to see why an address stopped:
-- kind 'permanent' or 'transient', the enhanced status code and the
-- remote server's words; source 'maildir' or 'pipe'. email NULL when the
-- report could not be tied to one of our addresses. No foreign keys: the
-- history outlives organisations (osc forget erases its addresses here).
CREATE TABLE bounce (
	id        INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	email     TEXT COLLATE NOCASE,
	osc_id    INTEGER,
	outbox_id INTEGER,
	kind      TEXT NOT NULL,
	status    TEXT,
	detail    TEXT,
	source    TEXT NOT NULL
);
CREATE INDEX bounce_by_email ON bounce (email, at);
