-- A family's report that a child will be absent: the register of the class,
-- and the conversation (an `absence` thread) where the teacher answers.
CREATE TABLE absences (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id    uuid NOT NULL REFERENCES schools (id),
    child_id     uuid NOT NULL REFERENCES children (id),
    class_id     uuid NOT NULL REFERENCES classes (id),
    start_date   date NOT NULL,
    end_date     date NOT NULL,
    part         text NOT NULL CHECK (part IN ('day', 'morning', 'afternoon')),
    reason       text NOT NULL CHECK (reason IN ('illness', 'medical', 'family', 'other')),
    note         text NOT NULL DEFAULT '',
    reported_by  uuid NOT NULL REFERENCES users (id),
    reported_at  timestamptz NOT NULL DEFAULT now(),
    thread_id    uuid NOT NULL UNIQUE REFERENCES threads (id),
    CHECK (end_date >= start_date)
);
CREATE INDEX absences_register ON absences (class_id, start_date, end_date);
