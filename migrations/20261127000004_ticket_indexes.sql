-- The scheduler looks for unfinished tickets by status every second.
CREATE INDEX tickets_unfinished_status ON tickets (status, id) WHERE status NOT IN ('closed', 'cancelled');
