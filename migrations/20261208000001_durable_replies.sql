-- The answers to the person whose update is being handled ("direct replies")
-- are outbox rows too: written in the update's own transaction, already
-- claimed ('sending') by the runner that sends them right after the commit,
-- with `claimed_by` naming that runner (its connections carry the name in
-- their application_name). Rows a runner that is gone had claimed go back to
-- 'pending' and the sender delivers them (store::outbox::release_orphaned_replies).
ALTER TABLE outbox ADD COLUMN reply_of BIGINT;      -- the update this row answers
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;      -- the runner sending it
CREATE INDEX outbox_replies_in_flight ON outbox (claimed_by) WHERE state = 'sending' AND reply_of IS NOT NULL;

-- Wake the sender only for rows it may take: a unit of work's replies are
-- the runner's to send, and waking the sender for each would cost a claim
-- query per update.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted WHERE state = 'pending') THEN
        PERFORM pg_notify('propdesk_outbox', '');
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER outbox_notify ON outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
