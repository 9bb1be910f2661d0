-- A signed paper slip recorded by the teacher counts with the digital signatures.
ALTER TABLE acks ADD COLUMN on_paper boolean NOT NULL DEFAULT false;

-- "Remind the others": at most once a day per announcement.
CREATE TABLE thread_reminders (
    thread_id     uuid PRIMARY KEY REFERENCES threads (id) ON DELETE CASCADE,
    reminded_at   timestamptz NOT NULL,
    reminded_by   uuid NOT NULL REFERENCES users (id)
);
