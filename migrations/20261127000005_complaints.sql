-- Complaints (投诉), suggestions (建议) and praise (表扬) are tickets too: they
-- share numbers, events, photos and the rating, but go to customer service
-- (whoever takes them) instead of the repair dispatcher. Everything that
-- means repairs (technicians' lists, the dispatcher, /queue, /overdue, the
-- repair deadlines and the figures) filters on kind = 'repair'.
ALTER TABLE tickets
    ADD COLUMN kind TEXT NOT NULL DEFAULT 'repair'
        CHECK (kind IN ('repair', 'complaint', 'suggestion', 'praise')),
    ADD COLUMN subject TEXT,                                    -- noise, hygiene, … (not for repairs)
    ADD COLUMN contact_allowed BOOLEAN NOT NULL DEFAULT TRUE,   -- staff may see the owner's phone
    ADD COLUMN named_staff_id BIGINT REFERENCES staff(telegram_id), -- the staff member complained about
    ADD COLUMN first_reply_at TIMESTAMPTZ,
    ADD COLUMN outcome TEXT,
    -- Complaint targets (NULL for suggestions and praise: no deadlines).
    ADD COLUMN reply_due_at TIMESTAMPTZ,
    ADD COLUMN outcome_due_at TIMESTAMPTZ,
    ADD COLUMN reply_breached_at TIMESTAMPTZ,
    ADD COLUMN outcome_breached_at TIMESTAMPTZ;

CREATE INDEX tickets_kind_status ON tickets (kind, status);
