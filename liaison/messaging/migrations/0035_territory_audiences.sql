-- Announcements beyond one school: to every family of an RPI's schools, or
-- from the circonscription (or the admin) to the staff of its schools.
-- school_ids: every school the thread addresses, school_id first (the one
-- school of every thread before).
ALTER TABLE threads
    ADD COLUMN school_ids uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN rpi_id uuid REFERENCES rpis (id),
    -- To the directors and teachers of school_ids, never families. Its
    -- members' is_staff says who wrote (the author's side) and who is
    -- addressed (the schools' staff: false, as a family in an announcement).
    ADD COLUMN to_staff boolean NOT NULL DEFAULT false;
UPDATE threads SET school_ids = ARRAY[school_id];
