-- 002-notices: telling subscribers about changes (notices), and staff
-- mail (nudges about undecided sessions, the weekly digest).
--
-- No foreign keys to event: like the outbox, these rows may outlive a
-- session, and store_event_put replaces event rows.

-- A session edited since its subscribers were last told about it, one row
-- while a notice is waiting. baseline is the VEVENT text they last heard
-- of (the session as it was before the first edit not yet announced);
-- due_utc is when the notice goes out: [notices] quiet after the last
-- edit, or at once. edits counts the edits it coalesces. The row goes
-- away when the notice is sent, or found to have nothing to say.
CREATE TABLE notice (
	uid        TEXT PRIMARY KEY,
	baseline   TEXT NOT NULL,
	due_utc    INTEGER NOT NULL,
	edits      INTEGER NOT NULL DEFAULT 1,
	updated_at INTEGER NOT NULL
);
CREATE INDEX notice_by_due ON notice (due_utc);

-- A notice that went to the outbox: version seq of session uid, what it
-- says (kind), the session as subscribers knew it before and as it is
-- told now (VEVENT texts). Outbox rows (uid, seq, 'update' | 'cancel')
-- render from this row, so a retry sends the same bytes.
CREATE TABLE notice_sent (
	uid    TEXT NOT NULL,
	seq    INTEGER NOT NULL,
	kind   TEXT NOT NULL
	       CHECK (kind IN ('dated', 'moved', 'place', 'cancel')),
	before TEXT NOT NULL,
	after  TEXT NOT NULL,
	at     INTEGER NOT NULL,
	PRIMARY KEY (uid, seq)
);

-- Nudges to staff about an undecided session: 'soon' ([staff] tbd_nudge
-- before its window opens) and 'open' (when it opens), once each per
-- session. state: 'pending' (due_utc follows the window), 'sent' (its
-- message is in the outbox) or 'skipped' (the session got a date, or it
-- was too late).
CREATE TABLE staff_nudge (
	uid     TEXT NOT NULL,
	phase   TEXT NOT NULL CHECK (phase IN ('soon', 'open')),
	due_utc INTEGER NOT NULL,
	state   TEXT NOT NULL DEFAULT 'pending'
	        CHECK (state IN ('pending', 'sent', 'skipped')),
	PRIMARY KEY (uid, phase)
);
CREATE INDEX staff_nudge_by_due ON staff_nudge (state, due_utc);

-- The text of each staff message, keyed like its outbox row's uid
-- ("staff:nudge-soon:<uid>", "staff:digest:2018-03-05"): written once when
-- the message is made, so a retry sends the same text and a week's
-- digest is made once.
CREATE TABLE staff_mail (
	key        TEXT PRIMARY KEY,
	subject    TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
