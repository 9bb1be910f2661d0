-- The territory above the schools: circonscriptions (an IEN's district, with
-- its small team) and RPIs (village schools that share their families).
CREATE TABLE circonscriptions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    name_key    text NOT NULL UNIQUE,      -- case- and accent-free, so two cannot look alike
    created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE schools ADD COLUMN circonscription_id uuid REFERENCES circonscriptions (id);
CREATE INDEX schools_circonscription ON schools (circonscription_id);

CREATE TABLE rpis (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- A school belongs to one RPI at most: its families are that RPI's families.
CREATE TABLE rpi_schools (
    rpi_id     uuid NOT NULL REFERENCES rpis (id) ON DELETE CASCADE,
    school_id  uuid NOT NULL UNIQUE REFERENCES schools (id),
    PRIMARY KEY (rpi_id, school_id)
);

-- Who works in which school, with the role there: a teacher shared by two
-- schools, a director who also teaches in the RPI's other school, has one
-- account and one row per school. users.school_id/role stay the first one.
CREATE TABLE school_staff (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    school_id   uuid NOT NULL REFERENCES schools (id),
    role        text NOT NULL CHECK (role IN ('director', 'teacher')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, school_id)
);
CREATE INDEX school_staff_school ON school_staff (school_id, role);
INSERT INTO school_staff (user_id, school_id, role)
    SELECT id, school_id, role FROM users WHERE role IN ('director', 'teacher');

-- Every school of a person with the role there ("<school id>:<role>"): as
-- staff, as a guardian of a child there, as a pupil. Read with every user,
-- so each check asks "what is this person in that school", never "is it
-- their one school".
CREATE FUNCTION person_schools(person uuid) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(array_agg(DISTINCT entry), '{}') FROM (
        SELECT school_id::text || ':' || role AS entry FROM school_staff WHERE user_id = person
        UNION ALL
        SELECT c.school_id::text || ':parent' FROM guardianships g
            JOIN children c ON c.id = g.child_id WHERE g.user_id = person
        UNION ALL
        SELECT school_id::text || ':student' FROM children WHERE user_id = person
    ) AS entries
    $$;
