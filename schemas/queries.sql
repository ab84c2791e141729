-- The named statements of daemon/store.c. Each starts at a "-- name: X"
-- line and runs until the next one; store.c prepares every one of them
-- once when the database opens and binds parameters by number (?1, ?2…).

-- ---- topics ----

-- name: topic_put
INSERT INTO topic (code, slug, nombre, title) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (code) DO UPDATE SET
	slug = excluded.slug, nombre = excluded.nombre, title = excluded.title;

-- A topic by code or slug, with its count of sessions not cancelled.
-- name: topic_get
SELECT t.code, t.slug, t.nombre, t.title,
       (SELECT COUNT(*) FROM event_topic et JOIN event e ON e.uid = et.uid
        WHERE et.topic = t.slug AND e.status <> 'CANCELLED')
FROM topic t WHERE t.code = ?1 OR t.slug = ?1
ORDER BY t.code = ?1 DESC LIMIT 1;

-- Every topic (store.c orders them by the integer parts of their code).
-- name: topic_list
SELECT t.code, t.slug, t.nombre, t.title,
       (SELECT COUNT(*) FROM event_topic et JOIN event e ON e.uid = et.uid
        WHERE et.topic = t.slug AND e.status <> 'CANCELLED')
FROM topic t;

-- name: topic_slug_exists
SELECT 1 FROM topic WHERE slug = ?1;

-- ---- events ----

-- name: event_put
INSERT INTO event (uid, short_id, seq, ical, status, kind, dtstart_utc,
                   dtend_utc, tbd_from, tbd_to, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (uid) DO UPDATE SET
	short_id = excluded.short_id, seq = excluded.seq, ical = excluded.ical,
	status = excluded.status, kind = excluded.kind,
	dtstart_utc = excluded.dtstart_utc, dtend_utc = excluded.dtend_utc,
	tbd_from = excluded.tbd_from, tbd_to = excluded.tbd_to,
	updated_at = excluded.updated_at;

-- By uid or short id (a short id never holds '@', so at most one matches).
-- name: event_get
SELECT uid, ical FROM event WHERE uid = ?1 OR short_id = ?1;

-- ?1 topic slug or NULL, ?2 undecided only, ?3/?4 the span to overlap
-- (0 = unbounded), ?5 include cancelled.
-- name: event_list
SELECT e.uid, e.ical FROM event e
WHERE (?1 IS NULL OR e.uid IN (SELECT uid FROM event_topic WHERE topic = ?1))
  AND (?2 = 0 OR e.kind IN ('tbd', 'approx'))
  AND (?3 = 0 OR e.dtend_utc > ?3)
  AND (?4 = 0 OR e.dtstart_utc < ?4)
  AND (?5 <> 0 OR e.status <> 'CANCELLED')
ORDER BY e.dtstart_utc, e.uid;

-- By uid or short id.
-- name: event_delete
DELETE FROM event WHERE uid = ?1 OR short_id = ?1;

-- name: event_topics_clear
DELETE FROM event_topic WHERE uid = ?1;

-- name: event_topic_add
INSERT OR IGNORE INTO event_topic (uid, topic) VALUES (?1, ?2);

-- The latest change to any session: an event's stamp, or a delete's.
-- name: event_changed_at
SELECT MAX(COALESCE((SELECT MAX(updated_at) FROM event), 0),
           COALESCE((SELECT value FROM meta WHERE key = 'changed_at'), 0));

-- The latest change to one topic's sessions (?1 slug).
-- name: event_topic_changed_at
SELECT MAX(COALESCE((SELECT MAX(e.updated_at) FROM event e
                     JOIN event_topic et ON et.uid = e.uid
                     WHERE et.topic = ?1), 0),
           COALESCE((SELECT value FROM meta
                     WHERE key = 'changed_at:' || ?1), 0));

-- ---- change stamps ----

-- Stamp any change with ?1, never moving the stamp back.
-- name: meta_touch
INSERT INTO meta (key, value) VALUES ('changed_at', ?1)
ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value);

-- Stamp a change to topic ?1 (slug) with ?2.
-- name: meta_touch_topic
INSERT INTO meta (key, value) VALUES ('changed_at:' || ?1, ?2)
ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value);

-- Stamp every topic that session ?1 (uid or short id) is in now with ?2
-- (before it leaves them: a feed must change when a session goes).
-- name: meta_touch_event_topics
INSERT INTO meta (key, value)
SELECT 'changed_at:' || topic, ?2 FROM event_topic
WHERE uid IN (SELECT uid FROM event WHERE uid = ?1 OR short_id = ?1)
ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value);

-- ---- audit ----

-- name: audit_add
INSERT INTO audit (at, peer_uid, action, target, before, after)
VALUES (?1, ?2, ?3, ?4, ?5, ?6);

-- ?1 target or NULL for all, ?2 limit (-1 for none). Newest first.
-- name: audit_list
SELECT id, at, peer_uid, action, target, before, after, client FROM audit
WHERE ?1 IS NULL OR target = ?1
ORDER BY id DESC LIMIT ?2;

-- ---- counts ----

-- name: counts_get
SELECT
	(SELECT COUNT(*) FROM event),
	(SELECT COUNT(*) FROM event
	 WHERE kind IN ('date', 'range') AND status <> 'CANCELLED'),
	(SELECT COUNT(*) FROM event
	 WHERE kind IN ('tbd', 'approx') AND status <> 'CANCELLED'),
	(SELECT COUNT(*) FROM event WHERE status = 'CANCELLED'),
	(SELECT COUNT(*) FROM topic),
	(SELECT COUNT(*) FROM osc),
	(SELECT COUNT(*) FROM subscription WHERE active <> 0),
	-- Kept by triggers (003-outbox-counts.sql): no scan of the outbox.
	(SELECT IFNULL(SUM(n), 0) FROM outbox_count WHERE state = 'pending'),
	(SELECT IFNULL(SUM(n), 0) FROM outbox_count WHERE state = 'failed'),
	(SELECT IFNULL(SUM(n), 0) FROM outbox_count WHERE state = 'sent'),
	(SELECT IFNULL(SUM(n), 0) FROM outbox_count WHERE state = 'held'),
	(SELECT IFNULL(SUM(n), 0) FROM outbox_count WHERE state = 'dropped');
