-- The start of every update's unit of work in one statement (store::work):
-- the chat's lock, the order check, the claim, then who is writing and where
-- their chat stands. A function rather than one SQL statement because each
-- statement in it reads with a fresh snapshot: what it reads after taking the
-- lock is what the chat's previous update committed, even if that commit
-- came while this one waited for the lock.
--
-- claim is one of
--   'claimed'  the update is now handled by this transaction; the other columns follow
--   'handled'  it was handled before (a redelivery, another replica): nothing to do
--   'later'    an earlier update of the same chat is not handled yet: that one goes first
CREATE FUNCTION begin_update(p_update_id BIGINT, p_chat_id BIGINT, p_user_id BIGINT, p_now TIMESTAMPTZ)
RETURNS TABLE (
    claim               TEXT,
    telegram_id         BIGINT,
    first_name          TEXT,
    last_name           TEXT,
    username            TEXT,
    locale              TEXT,
    locale_chosen       BOOLEAN,
    phone               TEXT,
    reachable           BOOLEAN,
    staff_name          TEXT,
    staff_trade         TEXT,
    staff_is_supervisor BOOLEAN,
    staff_active        BOOLEAN,
    units               JSONB,
    dialogue            JSONB
)
LANGUAGE plpgsql VOLATILE
-- Every read here is by key. PL/pgSQL keeps each query's plan for the
-- session, and a plan made while a table was small (a new deployment's empty
-- dialogues) would scan it on every call for as long as the runner's
-- connection lives: measured at 9,000 scans of 1,000 rows for 10,000 updates.
SET enable_seqscan = off
AS $$
BEGIN
    IF p_chat_id IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(p_chat_id);
        IF EXISTS (SELECT 1 FROM inbox i
                   WHERE i.chat_id = p_chat_id AND i.handled_at IS NULL AND i.update_id < p_update_id) THEN
            claim := 'later';
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;
    UPDATE inbox SET handled_at = p_now WHERE update_id = p_update_id AND handled_at IS NULL;
    IF NOT FOUND THEN
        claim := 'handled';
        RETURN NEXT;
        RETURN;
    END IF;
    -- The result travels in text (store::work sends it with BEGIN, as a
    -- simple query): the units as JSON, which decodes exactly, rather than
    -- arrays of text.
    RETURN QUERY
        SELECT 'claimed'::TEXT,
               us.telegram_id, us.first_name, us.last_name, us.username, us.locale,
               us.locale_chosen, us.phone, us.reachable,
               s.name, s.trade, s.is_supervisor, s.active,
               (SELECT COALESCE(jsonb_agg(jsonb_build_object(
                           'id', u.id, 'building', u.building, 'entrance', u.entrance,
                           'room', u.room, 'relation', r.relation)
                       ORDER BY u.building, u.entrance, u.room), '[]'::jsonb)
                FROM unit_residents r JOIN units u ON u.id = r.unit_id
                WHERE r.telegram_id = p_user_id),
               (SELECT d.state FROM dialogues d WHERE d.chat_id = p_chat_id)
        FROM (SELECT 1) one
        LEFT JOIN users us ON us.telegram_id = p_user_id
        LEFT JOIN staff s ON s.telegram_id = p_user_id;
END
$$;

-- The order check above, and the runner's look for a chat's earlier updates.
CREATE INDEX inbox_unhandled_by_chat ON inbox (chat_id, update_id) WHERE handled_at IS NULL;
