-- Photos uploaded by the people of a school, re-encoded without metadata.
-- The files live on disk under MEDIA_DIR: <key[:2]>/<key>/web.jpg and thumb.jpg,
-- where the key is random (nobody can guess another photo's address).
CREATE TABLE media (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id     uuid NOT NULL REFERENCES schools (id),
    uploader_id   uuid NOT NULL REFERENCES users (id),
    storage_key   text NOT NULL UNIQUE,
    content_type  text NOT NULL,       -- of the stored variants
    width         integer NOT NULL,    -- of the web variant
    height        integer NOT NULL,
    thumb_width   integer NOT NULL,
    thumb_height  integer NOT NULL,
    bytes         integer NOT NULL,    -- both variants on disk
    client_id     text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_school ON media (school_id, created_at);
CREATE INDEX media_uploader ON media (uploader_id, created_at);
-- A retried upload with the same client_id finds the first one.
CREATE UNIQUE INDEX media_client_id ON media (uploader_id, client_id) WHERE client_id IS NOT NULL;

-- The children shown in a photo, named by the staff: publishing it outside a
-- child's own cahier needs their guardians' consent.
CREATE TABLE media_children (
    media_id   uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    child_id   uuid NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    tagged_by  uuid NOT NULL REFERENCES users (id),
    tagged_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (media_id, child_id)
);
CREATE INDEX media_children_child ON media_children (child_id);
