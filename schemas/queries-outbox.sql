-- The named statements of daemon/store_outbox.c: alarms (one per reminder
-- of one version of a session) and the outbox (one row per message).
-- Alarm states: 'pending' (to expand at due_utc), 'expanded' (its outbox
-- rows exist), 'late' (expanded after downtime: its messages say so) and
-- 'expired' (never sent: too late, or the session started). Outbox
-- states: 'pending' (send at next_try_utc), 'sending' (handed to the
-- mailer), 'sent', 'failed' (for good), 'expired' (never sent), 'held'
-- (staff keep it back until they release it: never claimed) and
-- 'dropped' (staff ended it: never sent).

-- ---- alarms ----

-- Forget the alarms of session ?1 that produced no message yet, of any
-- version, before its alarms are computed again.
-- name: alarm_clear
DELETE FROM alarm WHERE uid = ?1 AND state IN ('pending', 'expired');

-- ?1 uid, ?2 seq, ?3 offset_s, ?4 due_utc, ?5 state. An alarm already
-- expanded for this version stays as it is.
-- name: alarm_add
INSERT OR IGNORE INTO alarm (uid, seq, offset_s, due_utc, state)
VALUES (?1, ?2, ?3, ?4, ?5);

-- name: alarm_state_set
UPDATE alarm SET state = ?4 WHERE uid = ?1 AND seq = ?2 AND offset_s = ?3;

-- Pending alarms due at or before ?1, the earliest first, at most ?2.
-- name: alarm_due
SELECT uid, seq, offset_s, due_utc, state FROM alarm
WHERE state = 'pending' AND due_utc <= ?1
ORDER BY due_utc, uid, offset_s DESC LIMIT ?2;

-- The alarms of session ?1 (uid), for tests and the API.
-- name: alarm_list
SELECT uid, seq, offset_s, due_utc, state FROM alarm
WHERE uid = ?1 ORDER BY seq, due_utc;

-- name: alarm_next
SELECT MIN(due_utc) FROM alarm WHERE state = 'pending';

-- ---- outbox ----

-- name: outbox_next
SELECT MIN(next_try_utc) FROM outbox WHERE state = 'pending';

-- ?1 uid, ?2 seq, ?3 kind, ?4 offset_s, ?5 osc_id, ?6 due_utc,
-- ?7 next_try_utc, ?8 domain. A second expansion of the same alarm adds
-- nothing. The Message-ID is chosen now and kept for every try: the
-- kind's first letter and 128 random bits (sqlite's randomness, seeded
-- from the kernel), so that no other row, database or installation of
-- the same domain ever sends the same one.
-- name: outbox_add
INSERT OR IGNORE INTO outbox (uid, seq, kind, offset_s, osc_id, due_utc,
                              next_try_utc, message_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,
        substr(?3, 1, 1) || '.' || lower(hex(randomblob(16))) || '@' || ?8);

-- Every reminder of one alarm at once: a row for each organisation with
-- an active subscription to one of session ?1's topics (as
-- store_osc_subscribers finds them, in the same order, but for those that
-- paused their mail: 008-self-service), ?2 seq, ?3 kind,
-- ?4 offset_s, ?5 due_utc, ?6 next_try_utc. Rows that exist already stay
-- as they are. The Message-ID is left to the claim (outbox_claim), which
-- chooses it as outbox_add does and stores it before the first try: the
-- expansion of a million rows does not pay for a million random IDs at
-- once, and every try still sends the same one.
-- name: outbox_expand
INSERT OR IGNORE INTO outbox (uid, seq, kind, offset_s, osc_id, due_utc,
                              next_try_utc)
SELECT ?1, ?2, ?3, ?4, o.id, ?5, ?6 FROM osc o
WHERE o.id IN (SELECT s.osc_id FROM subscription s
               JOIN event_topic et ON et.topic = s.topic
               WHERE et.uid = ?1 AND s.active <> 0)
  AND o.paused_at IS NULL
ORDER BY o.name COLLATE NOCASE, o.id;

-- ?1 rows were just added to the outbox, all pending (004-outbox-bulk).
-- name: outbox_count_added
INSERT INTO outbox_count (state, n) VALUES ('pending', ?1)
	ON CONFLICT (state) DO UPDATE SET n = n + ?1;

-- Reminders of session ?1 still waiting for a version older than ?2 will
-- never go out: the session changed (or went away). ?3 says why.
-- name: outbox_supersede
UPDATE outbox SET state = 'expired', last_error = ?3
WHERE uid = ?1 AND kind = 'reminder' AND state IN ('pending', 'held')
  AND seq < ?2;

-- Take at most ?2 pending messages due at or before ?1 for sending. Rows
-- without a Message-ID yet (expanded reminders, outbox_expand, and rows
-- queued by older versions) get one now, as outbox_add makes them
-- (domain ?3), kept for every later try. The last column says whether the
-- reminder's alarm was expanded late.
-- name: outbox_claim
UPDATE outbox SET state = 'sending',
	message_id = COALESCE(message_id,
	                      substr(kind, 1, 1) || '.' ||
	                      lower(hex(randomblob(16))) || '@' || ?3)
WHERE id IN (SELECT id FROM outbox
             WHERE state = 'pending' AND next_try_utc <= ?1
             ORDER BY next_try_utc, id LIMIT ?2)
RETURNING id, uid, seq, kind, offset_s, osc_id, message_id, due_utc,
	next_try_utc, tries,
	EXISTS (SELECT 1 FROM alarm a
	        WHERE a.uid = outbox.uid AND a.seq = outbox.seq
	          AND a.offset_s = outbox.offset_s AND a.state = 'late');

-- One message's outcome: ?1 id, ?2 state, ?3 tries, ?4 next_try_utc,
-- ?5 last_error, ?6 sent_at.
-- name: outbox_done
UPDATE outbox SET state = ?2, tries = ?3, next_try_utc = ?4,
	last_error = ?5, sent_at = ?6
WHERE id = ?1;

-- One outcome for up to 32 messages: ?1 state, ?2 tries, ?3 next_try_utc,
-- ?4 last_error, ?5 sent_at, and the ids in ?6 to ?37 (NULL where fewer).
-- A burst's "sent" outcomes share all but the id: one statement for 32
-- rows costs less than 32 of outbox_done.
-- name: outbox_done_many
UPDATE outbox SET state = ?1, tries = ?2, next_try_utc = ?3,
	last_error = ?4, sent_at = ?5
WHERE id IN (?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37);

-- At start: messages a crash left 'sending' go again (same Message-ID).
-- name: outbox_recover
UPDATE outbox SET state = 'pending' WHERE state = 'sending';

-- ?1 state or NULL, ?2 uid or short id or NULL, ?3 limit (-1 for none).
-- Newest first.
-- name: outbox_list
SELECT o.id, o.uid, o.seq, o.kind, o.offset_s, o.osc_id, o.message_id,
       o.due_utc, o.next_try_utc, o.tries, o.state, o.last_error, o.sent_at,
       c.name,
       (SELECT group_concat(email, ',') FROM
        (SELECT email FROM osc_email WHERE osc_id = o.osc_id ORDER BY pos))
FROM outbox o LEFT JOIN osc c ON c.id = o.osc_id
WHERE (?1 IS NULL OR o.state = ?1)
  AND (?2 IS NULL OR o.uid = ?2 OR substr(o.uid, 1, length(?2) + 1) = ?2 || '@')
ORDER BY o.id DESC LIMIT ?3;

-- Message ?1 as outbox_list gives it, and whether its reminder's alarm
-- was expanded late (as outbox_claim says).
-- name: outbox_get
SELECT o.id, o.uid, o.seq, o.kind, o.offset_s, o.osc_id, o.message_id,
       o.due_utc, o.next_try_utc, o.tries, o.state, o.last_error, o.sent_at,
       c.name,
       (SELECT group_concat(email, ',') FROM
        (SELECT email FROM osc_email WHERE osc_id = o.osc_id ORDER BY pos)),
       EXISTS (SELECT 1 FROM alarm a
               WHERE a.uid = o.uid AND a.seq = o.seq
                 AND a.offset_s = o.offset_s AND a.state = 'late')
FROM outbox o LEFT JOIN osc c ON c.id = o.osc_id
WHERE o.id = ?1;

-- Send message ?1 again (failed or expired ones only) from ?2. tries
-- goes on counting: a message tried before is not "late" (staff asked).
-- name: outbox_retry_one
UPDATE outbox SET state = 'pending', next_try_utc = ?2, last_error = NULL
WHERE id = ?1 AND state IN ('failed', 'expired');

-- Send every failed message again from ?1.
-- name: outbox_retry_failed
UPDATE outbox SET state = 'pending', next_try_utc = ?1, last_error = NULL
WHERE state = 'failed';

-- name: outbox_state_get
SELECT state FROM outbox WHERE id = ?1;

-- Staff's hold, release and drop: message ?1 (0: any) of session ?2 (UID
-- or short id; NULL: any). A held message waits until released; a
-- released one is due from ?3; a dropped one is never sent.
-- name: outbox_hold
UPDATE outbox SET state = 'held'
WHERE (?1 = 0 OR id = ?1)
  AND (?2 IS NULL OR uid = ?2 OR substr(uid, 1, length(?2) + 1) = ?2 || '@')
  AND state = 'pending';

-- name: outbox_release
UPDATE outbox SET state = 'pending', next_try_utc = ?3
WHERE (?1 = 0 OR id = ?1)
  AND (?2 IS NULL OR uid = ?2 OR substr(uid, 1, length(?2) + 1) = ?2 || '@')
  AND state = 'held';

-- name: outbox_drop
UPDATE outbox SET state = 'dropped', last_error = 'dropped by staff'
WHERE (?1 = 0 OR id = ?1)
  AND (?2 IS NULL OR uid = ?2 OR substr(uid, 1, length(?2) + 1) = ?2 || '@')
  AND state IN ('pending', 'held', 'failed', 'expired');

-- A topic's own reminder offsets (?1 slug), or NULL.
-- name: topic_remind_get
SELECT remind FROM topic WHERE slug = ?1;

-- Set topic ?1's (slug) own reminder offsets to ?2 (NULL: the defaults).
-- name: topic_remind_set
UPDATE topic SET remind = ?2 WHERE slug = ?1;
