-- Each school day at the school's check time (default 08:20), absences of the
-- day that no teacher has read are flagged to the director.
CREATE TABLE absence_settings (
    school_id   uuid PRIMARY KEY REFERENCES schools (id),
    check_time  time NOT NULL DEFAULT '08:20'
);

CREATE TABLE absence_flags (
    absence_id  uuid NOT NULL REFERENCES absences (id) ON DELETE CASCADE,
    day         date NOT NULL,
    flagged_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (absence_id, day)
);
