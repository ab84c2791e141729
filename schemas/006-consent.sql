-- 006-consent: how each organisation came to be subscribed, kept for as
-- long as the organisation is (Mexico's law on personal data held by
-- public bodies asks the holder to show when and how consent was given).
--
-- how: 'staff' (added through the control API), 'import' (an
-- organisations file), 'self' (it subscribed itself from the public page
-- and confirmed from the email) or 'before' (it was subscribed before
-- consent was recorded: this migration's rows). by_uid: the staff
-- member's uid (staff, import); client: the client's address (self);
-- notice: the version of the privacy notice in force ([office]
-- privacy_version); detail: what else tells how (an import: the line of
-- the file; self: the signup request). An organisation's rows go with it.
CREATE TABLE consent (
	id     INTEGER PRIMARY KEY,
	osc_id INTEGER NOT NULL REFERENCES osc (id) ON DELETE CASCADE,
	at     INTEGER NOT NULL,
	how    TEXT NOT NULL CHECK (how IN ('staff', 'import', 'self', 'before')),
	by_uid INTEGER,
	client TEXT,
	notice TEXT,
	detail TEXT
);
CREATE INDEX consent_by_osc ON consent (osc_id, id);

INSERT INTO consent (osc_id, at, how, detail)
SELECT id, created_at, 'before', 'subscribed before consent was recorded'
FROM osc;
