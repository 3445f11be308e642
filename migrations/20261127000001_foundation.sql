-- Foundation schema: people, the roster, staff, and the reliability tables
-- (inbox, dialogues, outbox). Timestamps are UTC; people see the community's zone.

CREATE TABLE communities (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A unit is written like 3栋2单元1201: building 3, entrance 2, room 1201.
-- Buildings without entrances use the empty string, so the unique key holds.
CREATE TABLE units (
    id            BIGSERIAL PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    building      TEXT NOT NULL,
    entrance      TEXT NOT NULL DEFAULT '',
    room          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (community_id, building, entrance, room)
);

-- The owner roster (业主档案) management imports: who may bind to which unit.
CREATE TABLE roster_entries (
    id          BIGSERIAL PRIMARY KEY,
    unit_id     BIGINT NOT NULL REFERENCES units(id),
    owner_name  TEXT NOT NULL,
    phone       TEXT NOT NULL,           -- normalized E.164, e.g. +8613800138000
    relation    TEXT NOT NULL CHECK (relation IN ('owner', 'family', 'tenant')),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (unit_id, phone)
);
CREATE INDEX roster_entries_phone ON roster_entries (phone);

-- Everyone who ever wrote to the bot. Identity is the numeric Telegram id.
CREATE TABLE users (
    telegram_id     BIGINT PRIMARY KEY,
    first_name      TEXT NOT NULL DEFAULT '',
    last_name       TEXT,
    username        TEXT,
    locale          TEXT NOT NULL,
    locale_chosen   BOOLEAN NOT NULL DEFAULT FALSE,  -- set by the user, not guessed
    phone           TEXT,                            -- from their own shared contact
    reachable       BOOLEAN NOT NULL DEFAULT TRUE,   -- false once they blocked the bot
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- An owner, family member or tenant bound to a unit.
CREATE TABLE unit_residents (
    telegram_id  BIGINT NOT NULL REFERENCES users(telegram_id),
    unit_id      BIGINT NOT NULL REFERENCES units(id),
    name         TEXT NOT NULL,
    relation     TEXT NOT NULL CHECK (relation IN ('owner', 'family', 'tenant')),
    verified_by  TEXT NOT NULL CHECK (verified_by IN ('roster', 'staff')),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (telegram_id, unit_id)
);
CREATE INDEX unit_residents_unit ON unit_residents (unit_id);

-- A request to bind to a unit whose phone is not on the roster.
CREATE TABLE verification_requests (
    id           BIGSERIAL PRIMARY KEY,
    telegram_id  BIGINT NOT NULL REFERENCES users(telegram_id),
    unit_id      BIGINT NOT NULL REFERENCES units(id),
    name         TEXT NOT NULL,
    phone        TEXT NOT NULL,
    relation     TEXT NOT NULL CHECK (relation IN ('owner', 'family', 'tenant')),
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by   BIGINT,
    decided_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One open request per person.
CREATE UNIQUE INDEX verification_requests_one_pending
    ON verification_requests (telegram_id) WHERE status = 'pending';

CREATE TABLE staff (
    telegram_id    BIGINT PRIMARY KEY REFERENCES users(telegram_id),
    name           TEXT NOT NULL,
    trade          TEXT NOT NULL CHECK (trade IN ('plumbing', 'electrical', 'general_repair', 'cleaning', 'security', 'customer_service')),
    is_supervisor  BOOLEAN NOT NULL DEFAULT FALSE,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    invited_by     BIGINT,
    joined_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    deactivated_at TIMESTAMPTZ
);

-- One-time invite codes an admin creates: t.me/<bot>?start=<code>.
CREATE TABLE staff_invites (
    code           TEXT PRIMARY KEY,
    trade          TEXT NOT NULL,
    is_supervisor  BOOLEAN NOT NULL DEFAULT FALSE,
    created_by     BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at     TIMESTAMPTZ NOT NULL,
    used_by        BIGINT,
    used_at        TIMESTAMPTZ
);

-- Every update from Telegram, persisted before the next getUpdates confirms it.
-- update_id is the key: a redelivered update is a no-op.
CREATE TABLE inbox (
    update_id    BIGINT PRIMARY KEY,
    chat_id      BIGINT,
    payload      JSONB NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts     INT NOT NULL DEFAULT 0,
    last_error   TEXT,
    handled_at   TIMESTAMPTZ
);
CREATE INDEX inbox_unhandled ON inbox (update_id) WHERE handled_at IS NULL;

-- Where each chat stands in a dialogue; written in the same transaction as the
-- change the step made, so a restart resumes at the same step.
CREATE TABLE dialogues (
    chat_id     BIGINT PRIMARY KEY,
    state       JSONB NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Everything the bot owes someone other than the person acting.
CREATE TABLE outbox (
    id             BIGSERIAL PRIMARY KEY,
    chat_id        BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    priority       SMALLINT NOT NULL DEFAULT 0,   -- lower goes first: 0 notifications, 5 broadcasts
    payload        JSONB NOT NULL,
    not_before     TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts       INT NOT NULL DEFAULT 0,
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
    last_error     TEXT,
    dedup_key      TEXT UNIQUE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_at     TIMESTAMPTZ,
    sent_at        TIMESTAMPTZ,
    message_id     INT
);
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE state = 'pending';
