-- The answers to the person whose update is being handled ("direct replies")
-- are outbox rows too: written in the update's own transaction, already
-- claimed ('sending') by the runner that sends them right after the commit,
-- with `claimed_by` naming that runner (its connections carry the name in
-- their application_name). Rows a runner that is gone had claimed go back to
-- 'pending' and the sender delivers them (store::outbox::release_orphaned_replies).
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
