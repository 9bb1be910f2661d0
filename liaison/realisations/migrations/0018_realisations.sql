-- The cahier de réalisations. A page is about one child (kind 'child', by the
-- staff or the child; kind 'family', by a guardian) or about the whole class
-- (kind 'class', child_id null: shown in every child's cahier of the class).
-- class_id is the class the page was written for (the child's at the time).
CREATE TABLE realisation_pages (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id   uuid NOT NULL REFERENCES schools (id),
    kind        text NOT NULL CHECK (kind IN ('child', 'class', 'family')),
    child_id    uuid REFERENCES children (id) ON DELETE CASCADE,
    class_id    uuid NOT NULL REFERENCES classes (id),
    author_id   uuid NOT NULL REFERENCES users (id),
    title       text NOT NULL,
    body        text NOT NULL DEFAULT '',
    client_id   text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'class') = (child_id IS NULL))
);
-- A child's cahier: its own pages, and its class's pages, newest first.
CREATE INDEX realisation_pages_child ON realisation_pages (child_id, created_at DESC, id DESC)
    WHERE child_id IS NOT NULL;
CREATE INDEX realisation_pages_class ON realisation_pages (class_id, created_at DESC, id DESC)
    WHERE kind = 'class';
-- A retried create with the same client_id finds the first page.
CREATE UNIQUE INDEX realisation_pages_client_id ON realisation_pages (author_id, client_id)
    WHERE client_id IS NOT NULL;

-- The photos of a page, in the author's order. The media outlives the page.
CREATE TABLE realisation_media (
    page_id   uuid NOT NULL REFERENCES realisation_pages (id) ON DELETE CASCADE,
    media_id  uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    position  smallint NOT NULL,
    PRIMARY KEY (page_id, media_id)
);
-- "Which pages hold this photo?" (may a user see /media/...).
CREATE INDEX realisation_media_media ON realisation_media (media_id);
