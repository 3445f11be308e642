-- Repair tickets (报修工单): the ticket, its photos, and every change as an event.

-- Per-community, per-day ticket numbers: BX-20261127-0042.
CREATE TABLE ticket_counters (
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    day           DATE NOT NULL,
    last          INT NOT NULL,
    PRIMARY KEY (community_id, day)
);

CREATE TABLE tickets (
    id               BIGSERIAL PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    category         TEXT NOT NULL,
    trade            TEXT NOT NULL,                  -- who can fix it, from the category
    unit_id          BIGINT REFERENCES units(id),    -- the owner's unit, or NULL for a common area
    common_area      TEXT,                           -- where, for a common area
    latitude         DOUBLE PRECISION,
    longitude        DOUBLE PRECISION,
    description      TEXT NOT NULL,
    urgency          TEXT NOT NULL CHECK (urgency IN ('emergency', 'urgent', 'routine')),
    preferred_window TEXT,
    status           TEXT NOT NULL,
    reporter_id      BIGINT NOT NULL REFERENCES users(telegram_id),
    reported_by_staff BOOLEAN NOT NULL DEFAULT FALSE, -- a patrol finding
    assignee_id      BIGINT REFERENCES staff(telegram_id),
    created_at       TIMESTAMPTZ NOT NULL,
    assigned_at      TIMESTAMPTZ,
    accept_due_at    TIMESTAMPTZ,                    -- the assignee must accept by then
    accepted_at      TIMESTAMPTZ,
    first_accepted_at TIMESTAMPTZ,
    onsite_due_at    TIMESTAMPTZ NOT NULL,
    onsite_at        TIMESTAMPTZ,
    resolve_due_at   TIMESTAMPTZ NOT NULL,           -- moved later by time on hold
    hold_since       TIMESTAMPTZ,
    hold_until       DATE,
    hold_reason      TEXT,
    done_at          TIMESTAMPTZ,
    first_done_at    TIMESTAMPTZ,
    closed_at        TIMESTAMPTZ,
    reminder_sent_at TIMESTAMPTZ,
    onsite_breached_at  TIMESTAMPTZ,
    resolve_breached_at TIMESTAMPTZ,
    reopen_count     INT NOT NULL DEFAULT 0,
    rating           SMALLINT CHECK (rating BETWEEN 1 AND 5),
    rating_comment   TEXT,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX tickets_reporter ON tickets (reporter_id, created_at DESC);
CREATE INDEX tickets_unit ON tickets (unit_id, created_at DESC);
CREATE INDEX tickets_assignee_open ON tickets (assignee_id)
    WHERE status NOT IN ('closed', 'cancelled');
CREATE INDEX tickets_created ON tickets (community_id, created_at);

CREATE TABLE ticket_photos (
    id          BIGSERIAL PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    file_id     TEXT NOT NULL,
    unique_id   TEXT NOT NULL,                       -- Telegram's file_unique_id: one photo once
    stage       TEXT NOT NULL CHECK (stage IN ('report', 'result', 'follow_up')),
    added_by    BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (ticket_id, unique_id)
);

-- Every change, kept forever: the timeline people see comes from here.
CREATE TABLE ticket_events (
    id           BIGSERIAL PRIMARY KEY,
    ticket_id    BIGINT NOT NULL REFERENCES tickets(id),
    at           TIMESTAMPTZ NOT NULL,
    actor_id     BIGINT,                             -- NULL: the system (dispatcher, scheduler)
    kind         TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT,
    note         TEXT,
    data         JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at, id);

-- Round-robin among equally loaded staff: when each was last given a ticket.
ALTER TABLE staff ADD COLUMN last_assigned_at TIMESTAMPTZ;
