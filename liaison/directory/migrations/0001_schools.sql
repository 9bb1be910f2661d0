-- Schools come first: every account but the platform admin belongs to one.
CREATE TABLE schools (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    city        text NOT NULL,
    uai         text NOT NULL UNIQUE,   -- the national school number, e.g. 0691234A
    created_at  timestamptz NOT NULL DEFAULT now()
);
