CREATE TABLE classes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id   uuid NOT NULL REFERENCES schools (id),
    name        text NOT NULL,
    name_key    text NOT NULL,        -- case- and accent-free name, so "CE1 a" is "CE1 A"
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (school_id, name_key)
);

-- Who teaches a class (several for a shared class); a director may teach too.
CREATE TABLE class_staff (
    class_id  uuid NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (class_id, user_id)
);
CREATE INDEX class_staff_user ON class_staff (user_id);

CREATE TABLE children (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id     uuid NOT NULL REFERENCES schools (id),
    class_id      uuid NOT NULL REFERENCES classes (id),
    first_name    text NOT NULL,
    last_name     text NOT NULL,
    birth_date    date,
    identity_key  text NOT NULL,      -- normalised names and birth date, for idempotent imports
    user_id       uuid UNIQUE REFERENCES users (id),   -- the pupil's own account, if any
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (school_id, identity_key)
);
CREATE INDEX children_class ON children (class_id);

CREATE TABLE guardianships (
    child_id      uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship  text,
    PRIMARY KEY (child_id, user_id)
);
CREATE INDEX guardianships_user ON guardianships (user_id);

-- Who a guardian is, for matching across imports (names and email).
CREATE TABLE guardian_identities (
    school_id     uuid NOT NULL REFERENCES schools (id),
    identity_key  text NOT NULL,
    user_id       uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (school_id, identity_key)
);
