-- Messages written now and sent later: nobody sees them, nobody is notified,
-- until `send_at`; then a worker posts them as their author would have.
CREATE TABLE scheduled_posts (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    author_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id     uuid REFERENCES threads (id) ON DELETE CASCADE,   -- null: a new thread
    payload       jsonb NOT NULL,
    send_at       timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    cancelled_at  timestamptz,
    error         text
);
CREATE INDEX scheduled_posts_due ON scheduled_posts (send_at) WHERE sent_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX scheduled_posts_author ON scheduled_posts (author_id, send_at);
