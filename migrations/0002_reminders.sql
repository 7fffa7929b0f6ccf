-- The reminder engine: scheduled announcements, weekly office hours, and the
-- delivery log that makes every message the clock sends go out exactly once.

CREATE TABLE announcements (
    id           INTEGER PRIMARY KEY,
    seminar_id   INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    author_id    INTEGER NOT NULL,
    message      TEXT    NOT NULL,
    ping_role_id INTEGER,
    post_at      INTEGER NOT NULL,
    cancelled_at INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX announcements_by_seminar ON announcements (seminar_id, post_at);

CREATE TABLE office_hours (
    seminar_id       INTEGER PRIMARY KEY REFERENCES seminars (id) ON DELETE CASCADE,
    weekday          INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute     INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 720),
    place            TEXT    NOT NULL,
    -- Local calendar dates (YYYY-MM-DD) in the seminar's timezone.
    first_date       TEXT    NOT NULL,
    last_date        TEXT    NOT NULL,
    revision         INTEGER NOT NULL DEFAULT 1,
    updated_at       INTEGER NOT NULL
);

CREATE TABLE office_hour_cancellations (
    seminar_id INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    local_date TEXT    NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (seminar_id, local_date)
);

-- Discord scheduled events the bot keeps in sync (office hours, block days).
CREATE TABLE scheduled_events (
    seminar_id INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL,
    event_id   INTEGER NOT NULL,
    starts_at  INTEGER NOT NULL,
    PRIMARY KEY (seminar_id, purpose)
);

-- One row per (job, recipient, due time), written BEFORE the message is sent.
-- The UNIQUE key is what makes a restart unable to send a delivery twice.
CREATE TABLE deliveries (
    id         INTEGER PRIMARY KEY,
    seminar_id INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    job_key    TEXT    NOT NULL,
    recipient  TEXT    NOT NULL,
    due_at     INTEGER NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'claimed'
               CHECK (status IN ('claimed', 'sent', 'dm_closed', 'failed')),
    late       INTEGER NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    claimed_at INTEGER NOT NULL,
    sent_at    INTEGER,
    UNIQUE (job_key, recipient, due_at)
);
CREATE INDEX deliveries_by_status ON deliveries (seminar_id, status);

-- A job (one reminder, announcement or notice) that is finished: every
-- delivery done, or given up as missed because it was no longer useful.
CREATE TABLE job_runs (
    job_key     TEXT    NOT NULL,
    due_at      INTEGER NOT NULL,
    seminar_id  INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL CHECK (status IN ('done', 'missed')),
    late        INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER NOT NULL,
    PRIMARY KEY (job_key, due_at)
);
CREATE INDEX job_runs_by_seminar ON job_runs (seminar_id, status);

CREATE TABLE dm_channels (
    user_id    INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL
);

CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
