-- The named statements of daemon/store_notice.c: pending notices, the
-- notices sent, staff nudges and staff mail (schemas/002-notices.sql).

-- ---- notices ----

-- name: notice_get
SELECT baseline, due_utc FROM notice WHERE uid = ?1;

-- An edit of session ?1 at ?4: a waiting notice keeps its baseline and
-- waits until ?3; otherwise ?2 (the session before this edit) becomes
-- the baseline.
-- name: notice_touch
INSERT INTO notice (uid, baseline, due_utc, edits, updated_at)
VALUES (?1, ?2, ?3, 1, ?4)
ON CONFLICT (uid) DO UPDATE SET due_utc = ?3, edits = edits + 1,
	updated_at = ?4;

-- name: notice_clear
DELETE FROM notice WHERE uid = ?1;

-- Notices due at or before ?1, the earliest first, at most ?2.
-- name: notice_due
SELECT uid, baseline, due_utc FROM notice WHERE due_utc <= ?1
ORDER BY due_utc, uid LIMIT ?2;

-- name: notice_next
SELECT MIN(due_utc) FROM notice;

-- ?1 uid, ?2 seq, ?3 kind, ?4 before, ?5 after, ?6 at.
-- name: notice_sent_add
INSERT OR IGNORE INTO notice_sent (uid, seq, kind, before, after, at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6);

-- name: notice_sent_get
SELECT kind, before, after FROM notice_sent WHERE uid = ?1 AND seq = ?2;

-- Notices of session ?1 still waiting for a version older than ?2: a
-- later notice (or the cancellation) says it all. ?3 says why.
-- name: notice_supersede
UPDATE outbox SET state = 'expired', last_error = ?3
WHERE uid = ?1 AND kind IN ('update', 'cancel')
  AND state IN ('pending', 'held') AND seq < ?2;

-- The organisations that were told of session ?1: a reminder or a notice
-- sent (or being sent).
-- name: notice_told
SELECT DISTINCT osc_id FROM outbox
WHERE uid = ?1 AND kind IN ('reminder', 'update', 'cancel')
  AND state IN ('sent', 'sending')
ORDER BY osc_id;

-- ---- staff ----

-- Plan nudge ?2 of session ?1 at ?3; one already sent or skipped stays.
-- name: staff_nudge_plan
INSERT INTO staff_nudge (uid, phase, due_utc) VALUES (?1, ?2, ?3)
ON CONFLICT (uid, phase) DO UPDATE SET due_utc = ?3
WHERE state = 'pending';

-- name: staff_nudge_drop
DELETE FROM staff_nudge WHERE uid = ?1 AND state = 'pending';

-- Pending nudges of sessions that are no longer undecided (or gone).
-- name: staff_nudge_drop_stale
DELETE FROM staff_nudge WHERE state = 'pending' AND uid NOT IN
	(SELECT uid FROM event WHERE kind IN ('tbd', 'approx')
	 AND status <> 'CANCELLED');

-- name: staff_nudge_drop_all
DELETE FROM staff_nudge WHERE state = 'pending';

-- Pending nudges due at or before ?1, the earliest first, at most ?2.
-- name: staff_nudge_due
SELECT uid, phase, due_utc FROM staff_nudge
WHERE state = 'pending' AND due_utc <= ?1
ORDER BY due_utc, uid, phase LIMIT ?2;

-- name: staff_nudge_state_set
UPDATE staff_nudge SET state = ?3 WHERE uid = ?1 AND phase = ?2;

-- name: staff_nudge_next
SELECT MIN(due_utc) FROM staff_nudge WHERE state = 'pending';

-- name: staff_mail_add
INSERT OR IGNORE INTO staff_mail (key, subject, body, created_at)
VALUES (?1, ?2, ?3, ?4);

-- name: staff_mail_get
SELECT subject, body FROM staff_mail WHERE key = ?1;
