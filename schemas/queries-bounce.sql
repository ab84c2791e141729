-- Named statements of store_bounce.c: bounces and the state of addresses
-- (schemas/005-bounces.sql).

-- The organisation and Message-ID of outbox row ?1.
-- name: bounce_outbox_get
SELECT osc_id, message_id FROM outbox WHERE id = ?1;

-- ?1 at, ?2 email, ?3 osc_id, ?4 outbox_id, ?5 kind, ?6 status,
-- ?7 detail, ?8 source.
-- name: bounce_add
INSERT INTO bounce (at, email, osc_id, outbox_id, kind, status, detail,
                    source)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);

-- A transient bounce for address ?1 at ?2: counted in the window that
-- started after ?3, or starting a new one. Returns the count.
-- name: address_soft_bounce
INSERT INTO address_state (email, soft_count, soft_first, last_at)
VALUES (?1, 1, ?2, ?2)
ON CONFLICT (email) DO UPDATE SET
	soft_count = CASE WHEN soft_first IS NULL OR soft_first <= ?3
	             THEN 1 ELSE soft_count + 1 END,
	soft_first = CASE WHEN soft_first IS NULL OR soft_first <= ?3
	             THEN ?2 ELSE soft_first END,
	last_at = ?2
RETURNING soft_count;

-- Address ?1 takes no more mail from ?2 on, for reason ?3 (kept from the
-- first time if it was disabled already).
-- name: address_disable
INSERT INTO address_state (email, disabled_at, reason, last_at)
VALUES (?1, ?2, ?3, ?2)
ON CONFLICT (email) DO UPDATE SET
	reason = CASE WHEN disabled_at IS NULL THEN ?3 ELSE reason END,
	disabled_at = COALESCE(disabled_at, ?2),
	last_at = ?2;

-- Mail goes to address ?1 again; its count starts afresh.
-- name: address_enable
UPDATE address_state SET disabled_at = NULL, reason = NULL, soft_count = 0,
	soft_first = NULL
WHERE email = ?1 AND disabled_at IS NOT NULL;

-- 1 if address ?1 is disabled.
-- name: address_disabled
SELECT 1 FROM address_state WHERE email = ?1 AND disabled_at IS NOT NULL;

-- The disabled addresses, oldest first, with the organisation that has
-- each (NULL if none does any more) and the last bounce's status.
-- name: address_disabled_list
SELECT a.email, a.disabled_at, a.reason, e.osc_id, o.name
FROM address_state a
LEFT JOIN osc_email e ON e.email = a.email
LEFT JOIN osc o ON o.id = e.osc_id
WHERE a.disabled_at IS NOT NULL
ORDER BY a.disabled_at, a.email;

-- The addresses that take no more mail or bounced now and then (a
-- transient count in the window that started after ?2), of organisation
-- ?1 (NULL: of all), disabled first, with the last bounce read for each,
-- its organisation (NULL if none has it any more) and how many of that
-- organisation's addresses still take mail.
-- name: address_list
SELECT a.email, a.disabled_at, a.reason, a.soft_count, a.last_at,
       b.kind, b.status, b.detail, b.at, b.source, e.osc_id, o.name,
       (SELECT COUNT(*) FROM osc_email e2
        WHERE e2.osc_id = e.osc_id AND NOT EXISTS (
              SELECT 1 FROM address_state s2
              WHERE s2.email = e2.email AND s2.disabled_at IS NOT NULL))
FROM address_state a
LEFT JOIN osc_email e ON e.email = a.email
LEFT JOIN osc o ON o.id = e.osc_id
LEFT JOIN bounce b ON b.id = (
	SELECT id FROM bounce WHERE email = a.email
	ORDER BY at DESC, id DESC LIMIT 1)
WHERE (a.disabled_at IS NOT NULL
       OR (a.soft_count > 0 AND a.soft_first > ?2))
  AND (?1 IS NULL OR e.osc_id = ?1)
ORDER BY a.disabled_at IS NULL, a.disabled_at, a.last_at, a.email;

-- The disabled addresses of organisation ?1, to enable them all.
-- name: address_disabled_of_osc
SELECT a.email FROM address_state a JOIN osc_email e ON e.email = a.email
WHERE e.osc_id = ?1 AND a.disabled_at IS NOT NULL
ORDER BY e.pos;

-- Every disabled address, for the scheduler's cache.
-- name: address_disabled_all
SELECT email FROM address_state WHERE disabled_at IS NOT NULL;
