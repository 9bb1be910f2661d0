-- The class blog. A post is published (seen by the whole class audience),
-- or, written by a pupil, submitted / rejected (seen by its author and the
-- class's staff). `activity_at` orders the list: when it was published, or
-- last submitted.
CREATE TABLE posts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id       uuid NOT NULL REFERENCES schools (id),
    class_id        uuid NOT NULL REFERENCES classes (id),
    author_id       uuid NOT NULL REFERENCES users (id),
    title           text NOT NULL,
    body            text NOT NULL,
    status          text NOT NULL CHECK (status IN ('published', 'submitted', 'rejected')),
    review_comment  text,
    client_id       text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    activity_at     timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    CHECK ((status = 'published') = (published_at IS NOT NULL))
);
-- A retried create with the same client_id finds the first one.
CREATE UNIQUE INDEX posts_client_id ON posts (author_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX posts_class_order ON posts (class_id, activity_at DESC, id DESC);

-- The photos of a post, in order.
CREATE TABLE post_media (
    post_id   uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    media_id  uuid NOT NULL REFERENCES media (id),
    position  integer NOT NULL,
    PRIMARY KEY (post_id, media_id)
);
-- Serving a photo asks which posts hold it.
CREATE INDEX post_media_media ON post_media (media_id);

-- Comments of the class's families and staff on published posts; a removed
-- comment is deleted (gone for everyone).
CREATE TABLE post_comments (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    post_id     uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL REFERENCES users (id),
    body        text NOT NULL,
    client_id   text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX post_comments_client_id ON post_comments (author_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX post_comments_post ON post_comments (post_id, created_at, id);
