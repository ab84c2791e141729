-- 003-outbox-counts: the number of outbox rows in each state, kept by
-- triggers in the same transaction as the rows, so that `cronoctl status`
-- reads six numbers instead of counting a million rows (which took
-- ~50 ms with a large outbox, on the loop that also serves the API).

CREATE TABLE outbox_count (
	state TEXT PRIMARY KEY,
	n     INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO outbox_count (state, n)
	SELECT state, COUNT(*) FROM outbox GROUP BY state;

CREATE TRIGGER outbox_count_insert AFTER INSERT ON outbox
BEGIN
	INSERT INTO outbox_count (state, n) VALUES (NEW.state, 1)
		ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER outbox_count_delete AFTER DELETE ON outbox
BEGIN
	UPDATE outbox_count SET n = n - 1 WHERE state = OLD.state;
END;

CREATE TRIGGER outbox_count_update AFTER UPDATE OF state ON outbox
WHEN OLD.state <> NEW.state
BEGIN
	UPDATE outbox_count SET n = n - 1 WHERE state = OLD.state;
	INSERT INTO outbox_count (state, n) VALUES (NEW.state, 1)
		ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;
