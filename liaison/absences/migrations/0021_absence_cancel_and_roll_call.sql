-- A family cancels its report: the row stays (its thread tells the story) but
-- leaves the register. `message_seq` is the message of the thread that made
-- the report (1, or a later one when it answered the school's question).
ALTER TABLE absences ADD COLUMN cancelled_at timestamptz;
ALTER TABLE absences ADD COLUMN cancelled_by uuid REFERENCES users (id);
ALTER TABLE absences ADD COLUMN message_seq integer NOT NULL DEFAULT 1;
-- The live reports of a child: the overlap check, made under the child's lock.
CREATE INDEX absences_child ON absences (child_id, start_date, end_date) WHERE cancelled_at IS NULL;
CREATE INDEX absences_school_day ON absences (school_id, start_date, end_date) WHERE cancelled_at IS NULL;

-- A roll call: a class, a school day, a half-day; taken again, it is replaced.
CREATE TABLE roll_calls (
    class_id   uuid NOT NULL REFERENCES classes (id),
    day        date NOT NULL,
    part       text NOT NULL CHECK (part IN ('morning', 'afternoon')),
    school_id  uuid NOT NULL REFERENCES schools (id),
    taken_by   uuid NOT NULL REFERENCES users (id),
    taken_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (class_id, day, part)
);
CREATE INDEX roll_calls_school_day ON roll_calls (school_id, day);

-- The children it found absent. Whether one is unexplained is not stored: it
-- is, while no live report of the family covers that day and half-day.
-- `thread_id`: the question sent to the family ("pouvez-vous nous dire
-- pourquoi ?"), shared by the child's marks of that day while unanswered.
CREATE TABLE roll_call_absents (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    class_id   uuid NOT NULL,
    day        date NOT NULL,
    part       text NOT NULL,
    child_id   uuid NOT NULL REFERENCES children (id),
    school_id  uuid NOT NULL REFERENCES schools (id),
    marked_by  uuid NOT NULL REFERENCES users (id),
    marked_at  timestamptz NOT NULL DEFAULT now(),
    thread_id  uuid REFERENCES threads (id),
    FOREIGN KEY (class_id, day, part) REFERENCES roll_calls (class_id, day, part) ON DELETE CASCADE,
    UNIQUE (class_id, day, part, child_id)
);
CREATE INDEX roll_call_absents_school_day ON roll_call_absents (school_id, day);
CREATE INDEX roll_call_absents_child ON roll_call_absents (child_id, day);
CREATE INDEX roll_call_absents_thread ON roll_call_absents (thread_id) WHERE thread_id IS NOT NULL;
