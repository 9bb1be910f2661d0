-- Each guardian's decision about a child's photos shown online (the blog, a
-- class page). No row: not asked yet. A child has consent only when every
-- guardianship of it has a row here with granted = true.
CREATE TABLE image_consents (
    child_id     uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    guardian_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted      boolean NOT NULL,
    decided_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (child_id, guardian_id)
);
