-- Named statements of daemon/store_odata.c: everything the database holds
-- about one organisation (its export) and erasing its personal data for
-- good (its forgetting). ?1 is always the organisation's number. Same
-- rules as queries.sql.
--
-- A text "mentions" the organisation when it holds one of its current
-- addresses (any ASCII case) or its number as the organisations import's
-- audit rows write it ('"id":12,' or '"id":12}').

-- ---- export ----

-- Its addresses in order, with what bounces made of each (NULLs when
-- nothing came back).
-- name: odata_addresses
SELECT e.pos, e.email, a.disabled_at, a.reason, a.soft_count, a.soft_first,
       a.last_at, a.email IS NOT NULL
FROM osc_email e LEFT JOIN address_state a ON a.email = e.email
WHERE e.osc_id = ?1
ORDER BY e.pos;

-- Every subscription it had, active or ended.
-- name: odata_subscriptions
SELECT topic, created_at, active, ended_at FROM subscription
WHERE osc_id = ?1
ORDER BY created_at, topic;

-- The failure reports tied to it or to one of its addresses.
-- name: odata_bounces
SELECT id, at, email, outbox_id, kind, status, detail, source FROM bounce
WHERE osc_id = ?1
   OR email IN (SELECT email FROM osc_email WHERE osc_id = ?1)
ORDER BY at, id;

-- Every message made for it, sent or not.
-- name: odata_messages
SELECT id, uid, seq, kind, offset_s, message_id, due_utc, next_try_utc,
       tries, state, last_error, sent_at
FROM outbox WHERE osc_id = ?1
ORDER BY id;

-- The audit entries about it (target ?2, "osc:ID") or that mention it.
-- name: odata_audit
SELECT a.id, a.at, a.peer_uid, a.action, a.target, a.before, a.after,
       a.client
FROM audit a
WHERE a.target = ?2
   OR instr(a.before, '"id":' || ?1 || ',') > 0
   OR instr(a.before, '"id":' || ?1 || '}') > 0
   OR instr(a.after, '"id":' || ?1 || ',') > 0
   OR instr(a.after, '"id":' || ?1 || '}') > 0
   OR EXISTS (SELECT 1 FROM osc_email e
              WHERE e.osc_id = ?1
                AND (instr(lower(a.before), lower(e.email)) > 0
                     OR instr(lower(a.after), lower(e.email)) > 0))
ORDER BY a.id;

-- ---- forget ----

-- The other free texts that may quote it: kind, row id (or key), the
-- text, and 1 when the row is the organisation's own (its message, its
-- bounce), whose text may name it too; others are only searched for its
-- addresses.
-- name: odata_notes
SELECT 'outbox', o.id, NULL, o.last_error, o.osc_id = ?1 FROM outbox o
WHERE o.last_error IS NOT NULL
  AND (o.osc_id = ?1
       OR EXISTS (SELECT 1 FROM osc_email e WHERE e.osc_id = ?1
                  AND instr(lower(o.last_error), lower(e.email)) > 0))
UNION ALL
SELECT 'bounce', b.id, NULL, b.detail,
       b.osc_id IS ?1
       OR b.email IN (SELECT email FROM osc_email WHERE osc_id = ?1)
FROM bounce b
WHERE b.detail IS NOT NULL
  AND (b.osc_id IS ?1
       OR EXISTS (SELECT 1 FROM osc_email e WHERE e.osc_id = ?1
                  AND (e.email = b.email
                       OR instr(lower(b.detail), lower(e.email)) > 0)))
UNION ALL
SELECT 'staff_mail.subject', NULL, m.key, m.subject, 0 FROM staff_mail m
WHERE EXISTS (SELECT 1 FROM osc_email e WHERE e.osc_id = ?1
              AND instr(lower(m.subject), lower(e.email)) > 0)
UNION ALL
SELECT 'staff_mail.body', NULL, m.key, m.body, 0 FROM staff_mail m
WHERE EXISTS (SELECT 1 FROM osc_email e WHERE e.osc_id = ?1
              AND instr(lower(m.body), lower(e.email)) > 0);

-- name: odata_audit_set
UPDATE audit SET before = ?2, after = ?3 WHERE id = ?1;

-- name: odata_outbox_error_set
UPDATE outbox SET last_error = ?2 WHERE id = ?1;

-- name: odata_bounce_detail_set
UPDATE bounce SET detail = ?2 WHERE id = ?1;

-- name: odata_staff_subject_set
UPDATE staff_mail SET subject = ?2 WHERE key = ?1;

-- name: odata_staff_body_set
UPDATE staff_mail SET body = ?2 WHERE key = ?1;

-- What bounces made of its addresses, and of those its bounces name that
-- no other organisation has now (addresses it had before).
-- name: odata_address_state_forget
DELETE FROM address_state
WHERE email IN (SELECT email FROM osc_email WHERE osc_id = ?1)
   OR (email IN (SELECT email FROM bounce WHERE osc_id = ?1)
       AND email NOT IN (SELECT email FROM osc_email WHERE osc_id <> ?1));

-- Its bounces stay, counted, without the address.
-- name: odata_bounce_forget
UPDATE bounce SET email = NULL
WHERE email IN (SELECT email FROM osc_email WHERE osc_id = ?1)
   OR (osc_id = ?1 AND email IS NOT NULL
       AND email NOT IN (SELECT email FROM osc_email WHERE osc_id <> ?1));

-- Its messages not yet sent never will be; the sent ones stay (they name
-- no address) for the counts.
-- The client addresses its own page's changes were made from
-- (008-self-service): the fact stays, not who made it from where.
-- name: odata_audit_client_forget
UPDATE audit SET client = NULL WHERE target = 'osc:' || ?1;

-- name: odata_outbox_forget
UPDATE outbox SET state = 'dropped', last_error = 'organisation forgotten'
WHERE osc_id = ?1 AND state IN ('pending', 'held');

-- How many organisations were forgotten (meta 'osc.forgotten').
-- name: odata_forgotten_count
INSERT INTO meta (key, value) VALUES ('osc.forgotten', 1)
ON CONFLICT (key) DO UPDATE SET value = value + 1;

-- name: odata_forgotten_get
SELECT COALESCE((SELECT value FROM meta WHERE key = 'osc.forgotten'), 0);
