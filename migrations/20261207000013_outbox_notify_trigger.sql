-- Wake the outbox sender when rows are queued, from the insert itself rather
-- than a `SELECT pg_notify` after it: one round trip less for each
-- notification a unit of work queues. Once per statement; PostgreSQL folds a
-- transaction's identical notifications into one, delivered at commit.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('propdesk_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
