-- Satisfaction surveys (满意度调查). An admin designs one (in chat, or from a
-- YAML/TOML file); it is a draft until launched; at `opens_at` the scheduler
-- invites every verified owner of the chosen buildings (all when NULL), one
-- invitation per owner and unit; owners answer one question at a time.
--
-- A survey's state is derived, never stored twice:
--   draft      launched_at IS NULL
--   scheduled  launched, sent_at IS NULL (opens_at still ahead)
--   open       sent_at set and now < closes_at
--   closed     now >= closes_at
CREATE TABLE surveys (
    id             BIGSERIAL PRIMARY KEY,
    community_id   BIGINT NOT NULL REFERENCES communities(id),
    title          TEXT NOT NULL,
    intro          TEXT NOT NULL DEFAULT '',
    buildings      TEXT[],                 -- NULL: every building
    opens_at       TIMESTAMPTZ,            -- NULL: when it is launched
    closes_at      TIMESTAMPTZ,            -- NULL until launched (then a default length)
    remind_before  INTERVAL,               -- NULL: the setting SURVEY_REMINDER_HOURS
    launched_at    TIMESTAMPTZ,
    sent_at        TIMESTAMPTZ,
    reminded_at    TIMESTAMPTZ,
    created_by     BIGINT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at)
);
CREATE INDEX surveys_due ON surveys (opens_at) WHERE launched_at IS NOT NULL AND sent_at IS NULL;

CREATE TABLE survey_questions (
    survey_id  BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    position   SMALLINT NOT NULL CHECK (position >= 0),   -- 0-based order
    kind       TEXT NOT NULL CHECK (kind IN ('rating', 'single', 'multiple', 'text')),
    prompt     TEXT NOT NULL,
    options    TEXT[] NOT NULL DEFAULT '{}',               -- choice questions only
    required   BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (survey_id, position)
);

-- One row per owner and unit the survey reaches: the invitation, where they
-- are (`position`, so a pause resumes exactly there) and their submission.
-- An owner of two units in the audience answers once for each.
CREATE TABLE survey_responses (
    id            BIGSERIAL PRIMARY KEY,
    survey_id     BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    telegram_id   BIGINT NOT NULL REFERENCES users(telegram_id),
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    position      SMALLINT NOT NULL DEFAULT 0,
    invited_at    TIMESTAMPTZ NOT NULL,
    started_at    TIMESTAMPTZ,
    submitted_at  TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ,
    reminded_at   TIMESTAMPTZ,
    UNIQUE (survey_id, telegram_id, unit_id)
);
CREATE INDEX survey_responses_owner ON survey_responses (telegram_id);

-- One answer per question answered; a skipped optional question has none.
CREATE TABLE survey_answers (
    response_id  BIGINT NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
    position     SMALLINT NOT NULL,
    rating       SMALLINT CHECK (rating BETWEEN 1 AND 5),
    choices      SMALLINT[],          -- option indexes (single: exactly one)
    text         TEXT,
    answered_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (response_id, position)
);
