-- The named statements of daemon/store_self.c: what an organisation
-- changes from its own page (schemas/008-self-service.sql). Same rules as
-- queries.sql: each starts at a "-- name: X" line, parameters by number.

-- ?1 id, ?2 the instant its mail was paused, or NULL to resume.
-- name: osc_pause_set
UPDATE osc SET paused_at = ?2 WHERE id = ?1;

-- ?1 id asked at ?2 for its data to be erased: its mail pauses too (an
-- earlier pause keeps its instant).
-- name: osc_erasure_set
UPDATE osc SET erasure_at = ?2, paused_at = COALESCE(paused_at, ?2)
WHERE id = ?1;

-- name: osc_contact_set
UPDATE osc SET contact = ?2 WHERE id = ?1;

-- An audit entry with the client's address: ?1 at, ?2 peer_uid (NULL:
-- not staff), ?3 action, ?4 target, ?5 before, ?6 after, ?7 client.
-- name: audit_add_client
INSERT INTO audit (at, peer_uid, action, target, before, after, client)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7);

-- The organisations waiting for staff to erase their data, oldest request
-- first.
-- name: osc_erasure_list
SELECT id, name, erasure_at FROM osc WHERE erasure_at IS NOT NULL
ORDER BY erasure_at, id;
