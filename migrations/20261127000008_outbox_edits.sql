-- An outbox row may edit a message an earlier row sent (its payload names that row: a
-- complaint card withdrawn once a colleague took it), and a row withdrawn before it was
-- ever sent is 'cancelled': kept for the record, never sent.
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
    CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'cancelled'));
