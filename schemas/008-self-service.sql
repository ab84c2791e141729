-- 008-self-service: what an organisation does from its own page
-- (/suscripcion/<token>, daemon/public_self.c).
--
-- paused_at: the organisation paused all its mail (from its page) at that
-- instant; NULL while mail goes out. No reminder, update or cancellation
-- is queued for it while paused, and rows queued before expire when their
-- turn comes. erasure_at: it asked for its data to be erased at that
-- instant; asking also pauses its mail. Staff see it (`cronoctl osc
-- list`, the weekly digest) and erase with `cronoctl osc forget`.
ALTER TABLE osc ADD COLUMN paused_at INTEGER;
ALTER TABLE osc ADD COLUMN erasure_at INTEGER;

-- client: the address of the client that made a change from the public
-- site (an organisation's own page), NULL for staff's changes (peer_uid
-- says who those were).
ALTER TABLE audit ADD COLUMN client TEXT;
