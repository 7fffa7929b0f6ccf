-- Instants are unix seconds (UTC) in INTEGER columns; Discord ids are INTEGER.

CREATE TABLE seminars (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL UNIQUE,
    title             TEXT    NOT NULL,
    term              TEXT    NOT NULL DEFAULT '',
    channel_id        INTEGER,
    organiser_role_id INTEGER,
    timezone          TEXT    NOT NULL DEFAULT 'Europe/Berlin',
    capacity          INTEGER NOT NULL DEFAULT 20 CHECK (capacity > 0),
    pref_count        INTEGER NOT NULL DEFAULT 3 CHECK (pref_count BETWEEN 1 AND 5),
    contact           TEXT    NOT NULL DEFAULT '',
    assessment        TEXT    NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE papers (
    id         INTEGER PRIMARY KEY,
    seminar_id INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    code       TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    authors    TEXT    NOT NULL DEFAULT '',
    venue      TEXT    NOT NULL DEFAULT '',
    url        TEXT    NOT NULL DEFAULT '',
    arxiv      TEXT    NOT NULL DEFAULT '',
    topic      TEXT    NOT NULL DEFAULT '',
    capacity   INTEGER NOT NULL DEFAULT 1 CHECK (capacity > 0),
    position   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (seminar_id, code)
);

CREATE TABLE participants (
    id                  INTEGER PRIMARY KEY,
    seminar_id          INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL,
    display_name        TEXT    NOT NULL DEFAULT '',
    status              TEXT    NOT NULL CHECK (status IN ('registered', 'waitlisted')),
    joined_at           INTEGER NOT NULL,
    -- Orders the waitlist; joined_at alone ties within one second.
    queue_seq           INTEGER NOT NULL,
    prefs_updated_at    INTEGER,
    UNIQUE (seminar_id, user_id)
);
CREATE INDEX participants_by_status ON participants (seminar_id, status, queue_seq);

-- Per-user settings outlive a registration (someone who leaves and rejoins keeps them).
CREATE TABLE user_settings (
    seminar_id   INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    dm_reminders INTEGER NOT NULL DEFAULT 1 CHECK (dm_reminders IN (0, 1)),
    PRIMARY KEY (seminar_id, user_id)
);

CREATE TABLE preferences (
    participant_id INTEGER NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    rank           INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 5),
    paper_id       INTEGER NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    PRIMARY KEY (participant_id, rank),
    UNIQUE (participant_id, paper_id)
);

CREATE TABLE deadlines (
    id              INTEGER PRIMARY KEY,
    seminar_id      INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    due_at          INTEGER NOT NULL,
    -- Seconds before due_at, comma separated, largest first ('604800,86400,7200').
    reminder_offsets TEXT   NOT NULL DEFAULT '604800,86400,7200',
    note            TEXT    NOT NULL DEFAULT '',
    -- Bumped whenever due_at moves, so reminders planned for the old time are
    -- told apart from the new ones.
    revision        INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (seminar_id, kind)
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '{}',
    at         INTEGER NOT NULL
);
CREATE INDEX audit_log_by_guild ON audit_log (guild_id, at);
