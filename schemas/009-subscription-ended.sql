-- 009-subscription-ended: when a subscription was ended, so that an
-- organisation's export (`cronoctl osc export`) dates both ends of every
-- subscription it had. NULL while it is active, and for subscriptions
-- ended before this migration (their date was not kept). Starting one
-- again clears it.
ALTER TABLE subscription ADD COLUMN ended_at INTEGER;
