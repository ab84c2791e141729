-- 004-outbox-bulk: a due reminder becomes its outbox rows in one
-- statement (outbox_expand: a million rows in seconds), and the count of
-- pending rows grows once per statement by the rows it added
-- (outbox_count_added, run by store_outbox.c after every insert into the
-- outbox, in the same transaction) instead of by a trigger run for every
-- row. The counts of updates and deletes keep their triggers.

DROP TRIGGER outbox_count_insert;
