-- The named statements of daemon/store_osc.c: organisations (OSCs), their
-- addresses, subscriptions and private feed tokens. Same rules as
-- queries.sql: each starts at a "-- name: X" line, parameters by number.

-- ---- selecting organisations ----
--
-- osc_select, osc_select_emails and osc_select_topics share one filter:
-- ?1 id, ?2 topic slug (an active subscription to it), ?3 session uid (an
-- active subscription to one of its topics), ?4 feed token; NULL = any.
-- store_osc.c runs the three with the same parameters and joins the rows.

-- name: osc_select
SELECT o.id, o.name, o.contact, o.state, o.token, o.created_at,
       o.paused_at, o.erasure_at FROM osc o
WHERE (?1 IS NULL OR o.id = ?1)
  AND (?2 IS NULL OR o.id IN (SELECT osc_id FROM subscription
                              WHERE topic = ?2 AND active <> 0))
  AND (?3 IS NULL OR o.id IN (SELECT s.osc_id FROM subscription s
                              JOIN event_topic et ON et.topic = s.topic
                              WHERE et.uid = ?3 AND s.active <> 0))
  AND (?4 IS NULL OR o.token = ?4)
ORDER BY o.name COLLATE NOCASE, o.id;

-- name: osc_select_emails
SELECT e.osc_id, e.email FROM osc_email e
WHERE e.osc_id IN (
	SELECT o.id FROM osc o
	WHERE (?1 IS NULL OR o.id = ?1)
	  AND (?2 IS NULL OR o.id IN (SELECT osc_id FROM subscription
	                              WHERE topic = ?2 AND active <> 0))
	  AND (?3 IS NULL OR o.id IN (SELECT s.osc_id FROM subscription s
	                              JOIN event_topic et ON et.topic = s.topic
	                              WHERE et.uid = ?3 AND s.active <> 0))
	  AND (?4 IS NULL OR o.token = ?4))
ORDER BY e.osc_id, e.pos;

-- Active subscriptions only; with ?3, only to the session's topics.
-- name: osc_select_topics
SELECT s.osc_id, s.topic FROM subscription s
WHERE s.active <> 0
  AND (?3 IS NULL OR s.topic IN (SELECT topic FROM event_topic
                                 WHERE uid = ?3))
  AND s.osc_id IN (
	SELECT o.id FROM osc o
	WHERE (?1 IS NULL OR o.id = ?1)
	  AND (?2 IS NULL OR o.id IN (SELECT osc_id FROM subscription
	                              WHERE topic = ?2 AND active <> 0))
	  AND (?4 IS NULL OR o.token = ?4))
ORDER BY s.osc_id, s.topic;

-- The organisations among the ids in ?2 (a JSON array of numbers), by
-- id, each with its addresses ("pos address" lines) and the topics of
-- session ?1 it follows actively (one per line; NULL: none, so it is no
-- subscriber, which the caller skips), for the rows about to be rendered
-- (store_osc_subscribers_among), instead of a session's every
-- subscriber when its first reminder goes. The lines come in no promised
-- order: the caller sorts them.
-- name: osc_among
SELECT o.id, o.name, o.contact, o.state, o.token, o.created_at,
       o.paused_at, o.erasure_at,
       (SELECT group_concat(e.pos || ' ' || e.email, char(10))
        FROM osc_email e WHERE e.osc_id = o.id),
       (SELECT group_concat(s.topic, char(10))
        FROM subscription s JOIN event_topic et ON et.topic = s.topic
        WHERE s.osc_id = o.id AND et.uid = ?1 AND s.active <> 0)
FROM json_each(?2) j JOIN osc o ON o.id = j.value
ORDER BY o.id;

-- The organisations whose address (kind 0) or exact name (kind 1) is ?1;
-- an address first.
-- name: osc_find
SELECT osc_id, 0 FROM osc_email WHERE email = ?1
UNION ALL
SELECT id, 1 FROM osc WHERE name = ?1
ORDER BY 2, 1;

-- The organisation (id, name) that address ?1 belongs to, if any.
-- name: osc_exists
SELECT 1 FROM osc WHERE id = ?1;

-- name: osc_email_owner
SELECT o.id, o.name FROM osc_email e JOIN osc o ON o.id = e.osc_id
WHERE e.email = ?1;

-- ---- changing organisations ----

-- name: osc_insert
INSERT INTO osc (name, contact, state, token, created_at)
VALUES (?1, ?2, ?3, ?4, ?5)
RETURNING id;

-- name: osc_update
UPDATE osc SET name = ?2, contact = ?3, state = ?4 WHERE id = ?1;

-- Addresses, subscriptions and outbox history go with it (the outbox keeps
-- its rows: it has no foreign keys).
-- name: osc_delete
DELETE FROM osc WHERE id = ?1;

-- name: osc_emails_clear
DELETE FROM osc_email WHERE osc_id = ?1;

-- name: osc_email_add
INSERT INTO osc_email (osc_id, pos, email) VALUES (?1, ?2, ?3);

-- name: osc_token_set
UPDATE osc SET token = ?2 WHERE id = ?1;

-- ---- subscriptions ----

-- Subscribe ?1 to topic ?2 at ?3. An ended subscription is started again
-- only when ?4 is not 0 (an import never undoes an unsubscribe).
-- name: subscription_put
INSERT INTO subscription (osc_id, topic, created_at, active)
VALUES (?1, ?2, ?3, 1)
ON CONFLICT (osc_id, topic) DO UPDATE SET active = 1, ended_at = NULL
WHERE ?4 <> 0;

-- End ?1's subscription to topic ?2 at ?3.
-- name: subscription_end
UPDATE subscription SET active = 0, ended_at = ?3
WHERE osc_id = ?1 AND topic = ?2 AND active <> 0;

-- ---- consent (schemas/006-consent.sql) ----

-- name: consent_add
INSERT INTO consent (osc_id, at, how, by_uid, client, notice, detail)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7);

-- name: consent_select
SELECT at, how, by_uid, client, notice, detail FROM consent
WHERE osc_id = ?1 ORDER BY id;
