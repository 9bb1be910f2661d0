-- The adoption figures' rollups of closed periods (liaison/stats/store.py).
-- An announcement more than 24 h old has its families addressed and read
-- within 24 h settled: one row per (announcement, school of the families it
-- was sent to). A closed ISO week (Paris) has its active families and its
-- messages settled: one row per (school, week), none when both are 0.
-- `stats_rollups` says how far both go: announcements created before
-- `announcements_through`, weeks starting before `weeks_through`; the rest
-- is counted live by each request.
CREATE TABLE stats_announcements (
    thread_id   uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    school_id   uuid NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    require_ack boolean NOT NULL,
    families    integer NOT NULL,
    read_24h    integer NOT NULL,
    PRIMARY KEY (thread_id, school_id)
);
CREATE INDEX stats_announcements_school ON stats_announcements (school_id, created_at);

CREATE TABLE stats_weeks (
    school_id       uuid NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    week            date NOT NULL,  -- its Monday
    active_families integer NOT NULL,
    messages        integer NOT NULL,
    PRIMARY KEY (school_id, week)
);

CREATE TABLE stats_rollups (
    id                    boolean PRIMARY KEY DEFAULT true CHECK (id),
    announcements_through timestamptz,
    weeks_through         date
);
INSERT INTO stats_rollups DEFAULT VALUES;
