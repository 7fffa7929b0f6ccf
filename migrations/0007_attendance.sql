-- Attendance of the block seminar's talks (issue 14).
--
-- A talk is named by its presenter: every presenter gives exactly one talk
-- (talk_slots is UNIQUE (seminar_id, user_id)), and unlike a slot id that name
-- survives a re-scheduling, which replaces every slot. So a check-in recorded on
-- day 1 stays valid when the organisers move day 2. The check-in code belongs to
-- the slot: a re-scheduling replaces the slots and with them the codes.
-- Person columns hold account ids (0006).

-- Whether missing a talk (not excused) holds back the final grade. The reference
-- seminar: "everyone needs to attend all talks".
ALTER TABLE seminars ADD COLUMN attendance_required INTEGER NOT NULL DEFAULT 1
    CHECK (attendance_required IN (0, 1));

CREATE TABLE talk_codes (
    slot_id    INTEGER PRIMARY KEY REFERENCES talk_slots (id) ON DELETE CASCADE,
    seminar_id INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    code       TEXT    NOT NULL CHECK (length(code) BETWEEN 4 AND 6),
    created_at INTEGER NOT NULL,
    -- Windows of neighbouring talks overlap: the code alone says which talk is meant.
    UNIQUE (seminar_id, code)
) STRICT;

-- One row per (talk, student): a check-in by code, or an organiser's correction
-- (present or not), which a later code attempt never overrides.
CREATE TABLE attendance (
    seminar_id   INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    presenter_id INTEGER NOT NULL,
    account_id   INTEGER NOT NULL,
    present      INTEGER NOT NULL CHECK (present IN (0, 1)),
    source       TEXT    NOT NULL CHECK (source IN ('code', 'organiser')),
    set_by       INTEGER,
    at           INTEGER NOT NULL,
    PRIMARY KEY (seminar_id, presenter_id, account_id)
) STRICT;

-- An absence the organisers excused: it no longer holds back the final grade.
CREATE TABLE attendance_excuses (
    seminar_id   INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    presenter_id INTEGER NOT NULL,
    account_id   INTEGER NOT NULL,
    reason       TEXT    NOT NULL,
    excused_by   INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (seminar_id, presenter_id, account_id)
) STRICT;

-- Every refused check-in, kept for the organisers; the recent wrong codes of a
-- student are also what the rate limit counts.
CREATE TABLE attendance_attempts (
    id           INTEGER PRIMARY KEY,
    seminar_id   INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    account_id   INTEGER NOT NULL,
    -- What was typed, normalised and clipped.
    code         TEXT    NOT NULL,
    reason       TEXT    NOT NULL
        CHECK (reason IN ('wrong_code', 'closed', 'again', 'own_talk', 'rate_limited')),
    -- The talk the attempt concerned, when the code named one.
    presenter_id INTEGER,
    at           INTEGER NOT NULL
) STRICT;
CREATE INDEX attendance_attempts_by_account ON attendance_attempts (seminar_id, account_id, at);
