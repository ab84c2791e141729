-- Named statements of store_signup.c: requests to subscribe from the
-- public page (schemas/010-signup.sql).

-- ?1 email, ?2 name, ?3 topics, ?4 client, ?5 notice, ?6 created_at,
-- ?7 expires_at, ?8 token, ?9 state.
-- name: signup_add
INSERT INTO signup (email, name, topics, client, notice, created_at,
                    expires_at, token, state)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
RETURNING id;

-- The mails sent to address ?1 since ?2: the newest first.
-- name: signup_mailed_since
SELECT created_at FROM signup
WHERE email = ?1 AND created_at >= ?2 AND token IS NOT NULL
ORDER BY created_at DESC;

-- name: signup_get
SELECT id, email, name, topics, client, notice, created_at, expires_at,
       token, state, confirmed_at, confirm_client, decided_at, reason, osc_id
FROM signup WHERE id = ?1;

-- name: signup_by_token
SELECT id, email, name, topics, client, notice, created_at, expires_at,
       token, state, confirmed_at, confirm_client, decided_at, reason, osc_id
FROM signup WHERE token = ?1;

-- Requests in state ?1, oldest first.
-- name: signup_list
SELECT id, email, name, topics, client, notice, created_at, expires_at,
       NULL, state, confirmed_at, confirm_client, decided_at, reason, osc_id
FROM signup WHERE state = ?1 ORDER BY id;

-- Request ?1 goes from state ?2 to ?3 at ?4: ?5 the client (confirmed),
-- ?6 the reason (rejected), ?7 the organisation (done). Returns its id
-- only when it was in state ?2.
-- name: signup_move
UPDATE signup SET state = ?3,
	confirmed_at = CASE WHEN ?3 IN ('pending', 'done') AND confirmed_at IS NULL
	               THEN ?4 ELSE confirmed_at END,
	confirm_client = COALESCE(confirm_client, ?5),
	decided_at = ?4,
	reason = COALESCE(?6, reason),
	osc_id = COALESCE(?7, osc_id)
WHERE id = ?1 AND state = ?2
RETURNING id;

-- Requests never confirmed whose link expired before ?1 go, with the
-- personal data they hold (their outbox rows then render nothing).
-- name: signup_purge
DELETE FROM signup WHERE state IN ('sent', 'held') AND expires_at < ?1;

-- Organisation ?1 is forgotten (osc forget): every request it made, or
-- that names one of its addresses, goes (run while its addresses exist).
-- name: signup_forget
DELETE FROM signup
WHERE osc_id = ?1
   OR email IN (SELECT email FROM osc_email WHERE osc_id = ?1);

-- The requests organisation ?1 made, or that name one of its addresses,
-- oldest first (osc export; tokens left out).
-- name: signup_of_osc
SELECT id, email, name, topics, client, notice, created_at, expires_at,
       NULL, state, confirmed_at, confirm_client, decided_at, reason, osc_id
FROM signup
WHERE osc_id = ?1
   OR email IN (SELECT email FROM osc_email WHERE osc_id = ?1)
ORDER BY id;
