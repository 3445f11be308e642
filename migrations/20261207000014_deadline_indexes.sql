-- The scheduler asks every second which tickets have passed a deadline
-- (store::schedule::Watch). Without these it read every unfinished ticket
-- for each question: measured at 7 ms a question with 10,000 open tickets,
-- several questions a second, for an answer that is nearly always "none".
-- Each index holds only the tickets its question watches, ordered by the
-- deadline, so the answer costs what is due.
CREATE INDEX tickets_watch_accept ON tickets (accept_due_at)
    WHERE kind = 'repair' AND status = 'assigned';
CREATE INDEX tickets_watch_reminder ON tickets (onsite_due_at)
    WHERE kind = 'repair' AND status IN ('assigned', 'accepted', 'on_the_way') AND onsite_at IS NULL
      AND reminder_sent_at IS NULL AND assignee_id IS NOT NULL;
CREATE INDEX tickets_watch_onsite ON tickets (onsite_due_at)
    WHERE kind = 'repair' AND status IN ('queued', 'assigned', 'accepted', 'on_the_way') AND onsite_at IS NULL
      AND onsite_breached_at IS NULL;
CREATE INDEX tickets_watch_resolve ON tickets (resolve_due_at)
    WHERE kind = 'repair' AND status IN ('queued', 'assigned', 'accepted', 'on_the_way', 'in_progress')
      AND first_done_at IS NULL AND resolve_breached_at IS NULL;
CREATE INDEX tickets_watch_confirm ON tickets (done_at) WHERE status = 'done';
CREATE INDEX tickets_watch_reply ON tickets (reply_due_at)
    WHERE kind = 'complaint' AND status IN ('queued', 'accepted') AND first_reply_at IS NULL
      AND reply_breached_at IS NULL;
CREATE INDEX tickets_watch_outcome ON tickets (outcome_due_at)
    WHERE kind = 'complaint' AND status IN ('queued', 'accepted') AND outcome_breached_at IS NULL;
