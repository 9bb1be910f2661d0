-- The event log: what each user may see, in order, to resume from.
-- One stream per school: `event_streams.last_pos` is bumped, under its row
-- lock, by the transaction that appends events, just before it commits; so
-- transactions of a school commit in the order of their positions and a
-- reader that has seen position P never sees P+1 arrive after P+2.
CREATE TABLE event_streams (
    school_id    uuid PRIMARY KEY REFERENCES schools (id),
    last_pos     bigint NOT NULL DEFAULT 0,
    pruned_upto  bigint NOT NULL DEFAULT 0   -- events up to here are forgotten (retention)
);

CREATE TABLE events (
    school_id   uuid NOT NULL,
    pos         bigint NOT NULL,
    type        text NOT NULL,
    data        jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (school_id, pos)
);

-- Who may see each event, written in bulk with it (no foreign keys: an
-- announcement to a circonscription writes thousands of rows at once).
CREATE TABLE event_recipients (
    user_id    uuid NOT NULL,
    pos        bigint NOT NULL,
    school_id  uuid NOT NULL,
    PRIMARY KEY (user_id, pos)
);
CREATE INDEX event_recipients_school_pos ON event_recipients (school_id, pos);
CREATE INDEX events_created ON events (created_at);
