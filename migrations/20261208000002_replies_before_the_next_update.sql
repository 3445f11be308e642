-- A chat's direct replies keep their order across a crash: an update is not
-- answered while earlier replies of its chat are still to go out (left claimed
-- by a runner that died, or waiting for the sender). `begin_update` says so
-- ('replies'), and the runner sends those first (store::outbox::take_over_replies).
-- With long polling only one process runs; with replicas a chat's turn
-- (store::chat_turn) spans its replies, so replies of the chat claimed by
-- another runner are never being sent by a live one.
--
-- claim is one of
--   'claimed'  the update is now handled by this transaction; the other columns follow
--   'handled'  it was handled before (a redelivery, another replica): nothing to do
--   'later'    an earlier update of the same chat is not handled yet: that one goes first
--   'replies'  earlier replies of the chat are not out yet: they go first
CREATE INDEX outbox_replies_unsent ON outbox (chat_id) WHERE reply_of IS NOT NULL AND state IN ('pending', 'sending');

DROP FUNCTION begin_update(BIGINT, BIGINT, BIGINT, TIMESTAMPTZ);
CREATE FUNCTION begin_update(p_update_id BIGINT, p_chat_id BIGINT, p_user_id BIGINT, p_now TIMESTAMPTZ, p_runner TEXT)
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
        -- The chat's earlier replies go out before this update is answered:
        -- those a runner that is gone left claimed, and those waiting for the
        -- sender (released, or handed over after Telegram refused them a while).
        IF EXISTS (SELECT 1 FROM outbox o
                   WHERE o.chat_id = p_chat_id AND o.reply_of IS NOT NULL
                     AND o.state IN ('pending', 'sending') AND o.claimed_by IS DISTINCT FROM p_runner) THEN
            claim := 'replies';
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
