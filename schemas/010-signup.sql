-- 010-signup: organisations asking to subscribe themselves from the public
-- page (double opt-in). One row per request that was accepted for
-- mailing; requests turned away (the honeypot, a client over its limit)
-- leave no row, only a log line.
--
-- email, name, topics (slugs, space separated) as the form gave them;
-- client the address the form came from; notice the privacy notice's
-- version in force ([office] privacy_version) when it was accepted.
-- token: random, in the confirmation link (NULL when no mail was sent);
-- expires_at: created_at + 48 hours. state:
--   'sent'      the confirmation mail is in the outbox, waiting for the POST
--   'held'      no mail: the address was mailed within the hour, or too
--               often today (kept so that the limit holds across restarts)
--   'pending'   confirmed, waiting for staff ([public] signup = approval)
--   'done'      the organisation was added or its topics extended (osc_id)
--   'rejected'  staff said no (reason)
-- decided_at: when it was confirmed, approved or rejected; confirm_client
-- the address the confirming POST came from. Requests never confirmed
-- are deleted 30 days after their link expired (signup.c).
CREATE TABLE signup (
	id             INTEGER PRIMARY KEY,
	email          TEXT NOT NULL COLLATE NOCASE,
	name           TEXT NOT NULL,
	topics         TEXT NOT NULL,
	client         TEXT,
	notice         TEXT,
	created_at     INTEGER NOT NULL,
	expires_at     INTEGER NOT NULL,
	token          TEXT UNIQUE,
	state          TEXT NOT NULL DEFAULT 'sent'
	               CHECK (state IN ('sent', 'held', 'pending', 'done',
	                                'rejected')),
	confirmed_at   INTEGER,
	confirm_client TEXT,
	decided_at     INTEGER,
	reason         TEXT,
	osc_id         INTEGER
);
CREATE INDEX signup_by_email ON signup (email, created_at);
CREATE INDEX signup_by_state ON signup (state, id);
