-- People and places keyed by platform. A Discord account or place keeps its
-- snowflake as id, so every existing row (participants.user_id, seminars.guild_id,
-- ...) stays valid without a rewrite; Matrix and console accounts and places get
-- negative ids, which no snowflake can be. New tables are STRICT: a Matrix id is
-- text and must never land silently in an INTEGER column.

CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    platform     TEXT    NOT NULL CHECK (platform IN ('discord', 'matrix', 'console')),
    external_id  TEXT    NOT NULL,
    -- The reader's own IANA timezone for rendered times (Matrix, terminal); NULL:
    -- the seminar's.
    timezone     TEXT,
    UNIQUE (platform, external_id)
) STRICT;

CREATE TABLE places (
    id          INTEGER PRIMARY KEY,
    platform    TEXT    NOT NULL CHECK (platform IN ('discord', 'matrix', 'console')),
    external_id TEXT    NOT NULL,
    UNIQUE (platform, external_id)
) STRICT;

-- Which front end runs a seminar: a process delivers only its own platforms' notices.
ALTER TABLE seminars ADD COLUMN platform TEXT NOT NULL DEFAULT 'discord'
    CHECK (platform IN ('discord', 'matrix', 'console'));

INSERT OR IGNORE INTO places (id, platform, external_id)
    SELECT guild_id, 'discord', CAST(guild_id AS TEXT) FROM seminars;
INSERT OR IGNORE INTO places (id, platform, external_id)
    SELECT channel_id, 'discord', CAST(channel_id AS TEXT) FROM seminars
    WHERE channel_id IS NOT NULL;
INSERT OR IGNORE INTO accounts (id, platform, external_id)
    SELECT user_id, 'discord', CAST(user_id AS TEXT) FROM participants
    UNION SELECT user_id, 'discord', CAST(user_id AS TEXT) FROM user_settings
    UNION SELECT user_id, 'discord', CAST(user_id AS TEXT) FROM submissions
    UNION SELECT user_id, 'discord', CAST(user_id AS TEXT) FROM grades
    UNION SELECT author_id, 'discord', CAST(author_id AS TEXT) FROM announcements;

-- A one-off message the core sends on its own (a waitlist promotion), written in the
-- same transaction as the change it reports. The reminder engine delivers it exactly
-- once through the delivery log, like every reminder.
CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    seminar_id INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    template   TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notices_by_seminar ON notices (seminar_id, created_at);
