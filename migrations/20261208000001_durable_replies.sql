-- The answers to the person whose update is being handled ("direct replies")
-- are outbox rows too: written in the update's own transaction, already
-- claimed ('sending') by the runner that sends them right after the commit,
-- with `claimed_by` naming that runner. Rows a runner that is gone (its
-- heartbeat in `runners`, below, has stopped) had claimed are sent first by
-- the chat's next update, or go back to 'pending' for the sender
-- (store::outbox::release_orphaned_replies).
ALTER TABLE outbox ADD COLUMN reply_of BIGINT;      -- the update this row answers
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;      -- the runner sending it

-- Wake the sender only for rows it may take: a unit of work's replies are
-- the runner's to send, and waking the sender for each would cost a claim
-- query per update. A row trigger with a condition costs nothing for the
-- rows it skips; PostgreSQL folds a transaction's identical notifications
-- into one, delivered at commit.
DROP TRIGGER outbox_notify ON outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION outbox_notify();

-- The runners alive: each writes its heartbeat every 2 s (bot::runner::settle).
-- Reply rows claimed by a runner silent for longer than a few heartbeats are
-- released to the sender (a runner whose database connections all dropped at
-- once, PostgreSQL restarting, is still alive and keeps its rows).
CREATE TABLE runners (
    id      TEXT PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL
);
