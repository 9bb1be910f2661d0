-- A school's calendar: its holiday zone and its week (a school without a row
-- has the defaults of liaison/calendar/days.py: zone C, Mon/Tue/Thu/Fri),
-- and the days its director closed it. The official holidays are not stored:
-- they come from data packages (see days.py).
CREATE TABLE school_calendars (
    school_id   uuid PRIMARY KEY REFERENCES schools (id) ON DELETE CASCADE,
    zone        text NOT NULL CHECK (zone IN ('A', 'B', 'C')),
    week        text[] NOT NULL CHECK (cardinality(week) BETWEEN 1 AND 7),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  uuid REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE school_closures (
    school_id   uuid NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    day         date NOT NULL,
    label       text NOT NULL,
    PRIMARY KEY (school_id, day)
);
