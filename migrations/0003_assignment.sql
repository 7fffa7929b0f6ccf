-- Paper assignment: pins, stored runs (previews), and the published assignment.
--
-- A run is kept whole (its inputs' hash, seed, histogram and every student's row)
-- so that what organisers previewed is exactly what gets published, and an old
-- result can always be reproduced from its seed. The published assignment is a
-- separate, live table: a student who leaves loses their row there (freeing the
-- paper) while the run stays as it was computed.

CREATE TABLE assignment_pins (
    seminar_id INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    paper_id   INTEGER NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (seminar_id, user_id)
);
CREATE INDEX assignment_pins_by_paper ON assignment_pins (paper_id);

CREATE TABLE assignment_runs (
    id           INTEGER PRIMARY KEY,
    seminar_id   INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    seed         INTEGER NOT NULL,
    mode         TEXT    NOT NULL CHECK (mode IN ('linear', 'fair')),
    fill         INTEGER NOT NULL CHECK (fill IN (0, 1)),
    -- sha256 of the solver's canonical input: equal hash + equal seed = equal result.
    input_hash   TEXT    NOT NULL,
    -- {"1": n, "2": n, …, "unranked": n, "unassigned": n, "pinned": n}
    histogram    TEXT    NOT NULL,
    -- Students of the published assignment this run would move (0 without one).
    moved        INTEGER NOT NULL DEFAULT 0,
    -- The published run it was compared with (its `previous`), if any.
    based_on     INTEGER REFERENCES assignment_runs (id) ON DELETE SET NULL,
    status       TEXT    NOT NULL DEFAULT 'preview'
                 CHECK (status IN ('preview', 'published', 'superseded')),
    created_at   INTEGER NOT NULL,
    created_by   INTEGER NOT NULL,
    published_at INTEGER,
    published_by INTEGER
);
-- At most one open preview and one published run per seminar.
CREATE UNIQUE INDEX assignment_runs_one_preview
    ON assignment_runs (seminar_id) WHERE status = 'preview';
CREATE UNIQUE INDEX assignment_runs_one_published
    ON assignment_runs (seminar_id) WHERE status = 'published';

-- Every student the run looked at; paper_id NULL means unassigned.
CREATE TABLE assignment_run_rows (
    run_id   INTEGER NOT NULL REFERENCES assignment_runs (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    paper_id INTEGER REFERENCES papers (id) ON DELETE SET NULL,
    -- 1-based rank in the student's list; NULL when the paper is not in it
    -- (pinned there or placed by fill) or when unassigned.
    rank     INTEGER,
    pinned   INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    PRIMARY KEY (run_id, user_id)
);

-- The published assignment as it stands now.
CREATE TABLE assignments (
    seminar_id INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    -- No ON DELETE: a paper somebody presents cannot be removed from the catalogue.
    paper_id   INTEGER NOT NULL REFERENCES papers (id),
    rank       INTEGER,
    run_id     INTEGER NOT NULL REFERENCES assignment_runs (id) ON DELETE CASCADE,
    -- The publication that gave this student this paper; a re-publication DMs only
    -- the students whose paper it changed.
    since_run  INTEGER NOT NULL,
    PRIMARY KEY (seminar_id, user_id)
);
CREATE INDEX assignments_by_paper ON assignments (paper_id);

-- What happened to the published assignment since it was published; organisers see
-- the count in /admin status as "a re-run is advised". Nothing re-runs by itself.
CREATE TABLE assignment_changes (
    id         INTEGER PRIMARY KEY,
    seminar_id INTEGER NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    run_id     INTEGER NOT NULL REFERENCES assignment_runs (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    -- The paper a leaving student freed; NULL for a newcomer.
    paper_id   INTEGER,
    kind       TEXT    NOT NULL CHECK (kind IN ('left', 'joined'))
);
CREATE INDEX assignment_changes_by_run ON assignment_changes (run_id);

-- Triggers, so that every way a registration ends (/leave, /mydata delete, an
-- organiser removing someone) frees the paper and is counted, without each of
-- those paths having to remember it.

CREATE TRIGGER assignment_participant_left
AFTER DELETE ON participants
WHEN EXISTS (
    SELECT 1 FROM assignments WHERE seminar_id = OLD.seminar_id AND user_id = OLD.user_id
)
BEGIN
    INSERT INTO assignment_changes (seminar_id, run_id, user_id, paper_id, kind)
    SELECT seminar_id, run_id, user_id, paper_id, 'left'
    FROM assignments WHERE seminar_id = OLD.seminar_id AND user_id = OLD.user_id;
    DELETE FROM assignments WHERE seminar_id = OLD.seminar_id AND user_id = OLD.user_id;
END;

-- A pin belongs to a registration: someone who leaves and comes back starts afresh.
CREATE TRIGGER assignment_pin_left
AFTER DELETE ON participants
BEGIN
    DELETE FROM assignment_pins WHERE seminar_id = OLD.seminar_id AND user_id = OLD.user_id;
END;

CREATE TRIGGER assignment_participant_joined
AFTER INSERT ON participants
WHEN NEW.status = 'registered'
BEGIN
    INSERT INTO assignment_changes (seminar_id, run_id, user_id, paper_id, kind)
    SELECT seminar_id, id, NEW.user_id, NULL, 'joined'
    FROM assignment_runs WHERE seminar_id = NEW.seminar_id AND status = 'published';
END;

CREATE TRIGGER assignment_participant_promoted
AFTER UPDATE OF status ON participants
WHEN OLD.status = 'waitlisted' AND NEW.status = 'registered'
BEGIN
    INSERT INTO assignment_changes (seminar_id, run_id, user_id, paper_id, kind)
    SELECT seminar_id, id, NEW.user_id, NULL, 'joined'
    FROM assignment_runs WHERE seminar_id = NEW.seminar_id AND status = 'published';
END;
