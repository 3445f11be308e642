-- The bot-wide send window, shared by every replica in webhook mode: the time
-- of each of the last SEND_RATE_PER_SEC sends, one row per slot. A send takes
-- the oldest slot if it is older than the window (a second and a margin), so
-- at most that many sends leave in any window, whichever replica sends them.
CREATE TABLE send_window (
    slot     INT PRIMARY KEY,
    sent_at  TIMESTAMPTZ NOT NULL DEFAULT 'epoch'
);
