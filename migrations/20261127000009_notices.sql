-- Community notices (公告 / 通知): an admin or a customer-service supervisor
-- composes one; at `send_at` (now, or a scheduled time) it opens: one outbox
-- row per recipient (dedup key notice:<id>:<telegram id>, so a repeated
-- opening or a second scheduler adds nobody twice), behind notifications.
--
-- state: scheduled → sending ⇄ paused → done; scheduled → cancelled.
CREATE TABLE notices (
    id             BIGSERIAL PRIMARY KEY,
    community_id   BIGINT NOT NULL REFERENCES communities(id),
    kind           TEXT NOT NULL CHECK (kind IN ('activity', 'outage', 'meeting', 'general')),
    body_zh        TEXT,                     -- the version owners reading Chinese get
    body_en        TEXT,                     -- … English; one of them goes to all when alone
    photo          TEXT,                     -- a Telegram file id: the body is its caption
    buildings      TEXT[],                   -- NULL (and no entrances): every building
    entrances      TEXT[],                   -- 'building/entrance' pairs
    include_staff  BOOLEAN NOT NULL DEFAULT FALSE,
    signup         BOOLEAN NOT NULL DEFAULT FALSE,
    capacity       INT CHECK (capacity IS NULL OR capacity > 0),
    send_at        TIMESTAMPTZ NOT NULL,
    state          TEXT NOT NULL DEFAULT 'scheduled'
                   CHECK (state IN ('scheduled', 'sending', 'paused', 'done', 'cancelled')),
    created_by     BIGINT NOT NULL,
    progress_row   BIGINT,                   -- the outbox row of the composer's progress message
    progress_at    TIMESTAMPTZ,              -- when it was last edited
    progress_seen  TEXT,                     -- the figures it last showed (no identical edits)
    reminders      INT NOT NULL DEFAULT 0,   -- reminders sent to those signed up
    opened_at      TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (body_zh IS NOT NULL OR body_en IS NOT NULL)
);
CREATE INDEX notices_due ON notices (send_at) WHERE state = 'scheduled';
CREATE INDEX notices_running ON notices (id) WHERE state IN ('sending', 'paused');

-- Owners signed up for an activity; capacity is enforced under the notice's row lock.
CREATE TABLE notice_signups (
    notice_id    BIGINT NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
    telegram_id  BIGINT NOT NULL REFERENCES users(telegram_id),
    signed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (notice_id, telegram_id)
);

-- Notice kinds an owner does not want (only activity and general may be muted).
CREATE TABLE notice_mutes (
    telegram_id  BIGINT NOT NULL REFERENCES users(telegram_id),
    kind         TEXT NOT NULL CHECK (kind IN ('activity', 'general')),
    PRIMARY KEY (telegram_id, kind)
);

-- Outbox rows a notice wrote: its deliveries (kind 'notice'), its progress
-- message and reminders. 'held': a paused notice's deliveries, not claimable.
ALTER TABLE outbox ADD COLUMN notice_id BIGINT REFERENCES notices(id);
CREATE INDEX outbox_notice ON outbox (notice_id, state) WHERE notice_id IS NOT NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
    CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'cancelled', 'held'));
