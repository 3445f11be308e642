-- A message addressed to someone as a staff member (a ticket card, an owner's
-- follow-up, a supervisor's alert): written only while they are active
-- (services::notify::to_staff), and withdrawn, if still waiting, when they
-- are deactivated.
ALTER TABLE outbox ADD COLUMN to_staff BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX outbox_to_staff_pending ON outbox (chat_id) WHERE to_staff AND state = 'pending';
