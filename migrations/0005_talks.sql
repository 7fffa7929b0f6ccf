-- The block-seminar programme: one schedule row per seminar (its parameters and a
-- revision bumped by every re-scheduling) and one talk slot per presenter.
--
-- A paper with two presenters gets two consecutive slots (each student gives, and
-- is graded on, their own talk). Slots are replaced whole by a re-scheduling; a
-- student who leaves (or deletes their data) loses their slot through a trigger
-- and the gap stays until the organisers re-schedule (`dropped` counts them for
-- /admin status).

CREATE TABLE talk_schedules (
    seminar_id    INTEGER PRIMARY KEY REFERENCES seminars (id) ON DELETE CASCADE,
    -- The first day's start as typed resolved to an instant; later days start at
    -- the same wall time on the following calendar days in the seminar's zone.
    first_start   INTEGER NOT NULL,
    talk_minutes  INTEGER NOT NULL CHECK (talk_minutes BETWEEN 5 AND 240),
    break_minutes INTEGER NOT NULL CHECK (break_minutes BETWEEN 0 AND 120),
    per_day       INTEGER NOT NULL CHECK (per_day BETWEEN 1 AND 50),
    -- The published assignment run the programme was built from.
    run_id        INTEGER REFERENCES assignment_runs (id) ON DELETE SET NULL,
    revision      INTEGER NOT NULL DEFAULT 1,
    -- Slots dropped since this revision (presenters who left).
    dropped       INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE talk_slots (
    id         INTEGER PRIMARY KEY,
    seminar_id INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    paper_id   INTEGER NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    -- 0-based block day and 1-based place in the whole programme.
    day_index  INTEGER NOT NULL CHECK (day_index >= 0),
    position   INTEGER NOT NULL CHECK (position >= 1),
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL CHECK (ends_at > starts_at),
    UNIQUE (seminar_id, position),
    UNIQUE (seminar_id, user_id)
);
CREATE INDEX talk_slots_by_day ON talk_slots (seminar_id, day_index, starts_at);

-- A registration that ends (/leave, /mydata delete) drops that presenter's slot.
CREATE TRIGGER talk_slot_participant_left
AFTER DELETE ON participants
WHEN EXISTS (
    SELECT 1 FROM talk_slots WHERE seminar_id = OLD.seminar_id AND user_id = OLD.user_id
)
BEGIN
    UPDATE talk_schedules SET dropped = dropped + 1 WHERE seminar_id = OLD.seminar_id;
    DELETE FROM talk_slots WHERE seminar_id = OLD.seminar_id AND user_id = OLD.user_id;
END;

-- Block-day events have an end that can move while the start stays (per_day changed).
ALTER TABLE scheduled_events ADD COLUMN ends_at INTEGER;
