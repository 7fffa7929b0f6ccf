-- Hand-in and grades: PDF submissions (every version kept) and the two grade parts.
-- Both are keyed by (seminar, user) rather than the participant row, so a hand-in is
-- not silently lost when a participants row goes; /mydata delete removes them explicitly.

CREATE TABLE submissions (
    id                INTEGER PRIMARY KEY,
    seminar_id        INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    user_id           INTEGER NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('report', 'slides')),
    -- 1, 2, … per (seminar, user, kind); the highest one counts.
    version           INTEGER NOT NULL CHECK (version >= 1),
    size_bytes        INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256            TEXT    NOT NULL,
    -- Relative to the data folder (beside the database), so the folder can move.
    stored_path       TEXT    NOT NULL,
    original_filename TEXT    NOT NULL DEFAULT '',
    submitted_at      INTEGER NOT NULL,
    -- The deadline as it was when this version arrived (NULL: none was set);
    -- on time iff submitted_at <= due_at (no deadline: on time).
    due_at            INTEGER,
    on_time           INTEGER NOT NULL CHECK (on_time IN (0, 1)),
    UNIQUE (seminar_id, user_id, kind, version)
);
CREATE INDEX submissions_by_kind ON submissions (seminar_id, kind, user_id);

-- Grades in tenths (13 = 1.3) on the German scale; either part may be missing.
CREATE TABLE grades (
    seminar_id   INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    report       INTEGER CHECK (report IN (10, 13, 17, 20, 23, 27, 30, 33, 37, 40, 50)),
    presentation INTEGER CHECK (presentation IN (10, 13, 17, 20, 23, 27, 30, 33, 37, 40, 50)),
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (seminar_id, user_id)
);
