-- The agenda: events of a class, or of the whole school (class_id null).
CREATE TABLE agenda_events (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id         uuid NOT NULL REFERENCES schools (id),
    class_id          uuid REFERENCES classes (id),
    title             text NOT NULL,
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    location          text NOT NULL DEFAULT '',
    description       text NOT NULL DEFAULT '',
    signup_thread_id  uuid REFERENCES threads (id),
    created_by        uuid NOT NULL REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at >= starts_at)
);
CREATE INDEX agenda_events_class ON agenda_events (class_id, starts_at);
CREATE INDEX agenda_events_school ON agenda_events (school_id, starts_at);

-- The secret address of a user's calendar feed is an HMAC of the user and
-- this version: nothing secret is stored, and a reset voids the old address.
CREATE TABLE calendar_feeds (
    user_id  uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version  integer NOT NULL DEFAULT 1
);
