-- How many people are registered and waiting per seminar, kept by triggers (issue 12).
--
-- /join asks "is there a seat?" and "which place on the waitlist?". Counting the
-- rows walks the seminar's whole range of the status index, so every /join got
-- slower as the seminar and its waitlist grew (~30 µs per 1000 rows, inside the
-- write transaction that every other write waits for). One row per seminar
-- answers both in one seek. The triggers below keep it right however a row of
-- participants changes (a service, a cascade, a test's raw statement), in the same
-- transaction as the change, so the capacity check stays race-free.

CREATE TABLE participant_counts (
    seminar_id INTEGER PRIMARY KEY REFERENCES seminars (id) ON DELETE CASCADE,
    registered INTEGER NOT NULL DEFAULT 0,
    waitlisted INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO participant_counts (seminar_id, registered, waitlisted)
SELECT s.id,
       (SELECT count(*) FROM participants p WHERE p.seminar_id = s.id AND p.status = 'registered'),
       (SELECT count(*) FROM participants p WHERE p.seminar_id = s.id AND p.status = 'waitlisted')
FROM seminars s;

CREATE TRIGGER participant_counts_seminar_added
AFTER INSERT ON seminars
BEGIN
    INSERT INTO participant_counts (seminar_id) VALUES (NEW.id);
END;

CREATE TRIGGER participant_counts_joined
AFTER INSERT ON participants
BEGIN
    UPDATE participant_counts
    SET registered = registered + (NEW.status = 'registered'),
        waitlisted = waitlisted + (NEW.status = 'waitlisted')
    WHERE seminar_id = NEW.seminar_id;
END;

CREATE TRIGGER participant_counts_left
AFTER DELETE ON participants
BEGIN
    UPDATE participant_counts
    SET registered = registered - (OLD.status = 'registered'),
        waitlisted = waitlisted - (OLD.status = 'waitlisted')
    WHERE seminar_id = OLD.seminar_id;
END;

CREATE TRIGGER participant_counts_moved
AFTER UPDATE OF status, seminar_id ON participants
BEGIN
    UPDATE participant_counts
    SET registered = registered - (OLD.status = 'registered'),
        waitlisted = waitlisted - (OLD.status = 'waitlisted')
    WHERE seminar_id = OLD.seminar_id;
    UPDATE participant_counts
    SET registered = registered + (NEW.status = 'registered'),
        waitlisted = waitlisted + (NEW.status = 'waitlisted')
    WHERE seminar_id = NEW.seminar_id;
END;
