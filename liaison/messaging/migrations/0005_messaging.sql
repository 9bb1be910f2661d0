CREATE TABLE threads (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id           uuid NOT NULL REFERENCES schools (id),
    kind                text NOT NULL CHECK (kind IN ('direct', 'announcement', 'signup', 'absence')),
    subject             text NOT NULL,
    child_id            uuid REFERENCES children (id),          -- direct and absence threads
    class_ids           uuid[] NOT NULL DEFAULT '{}',          -- the classes concerned
    whole_school        boolean NOT NULL DEFAULT false,
    author_id           uuid NOT NULL REFERENCES users (id),
    reply_to_thread_id  uuid REFERENCES threads (id),           -- a private reply: the announcement
    require_ack         boolean NOT NULL DEFAULT false,
    urgent              boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    last_activity_at    timestamptz NOT NULL DEFAULT now(),
    last_seq            integer NOT NULL DEFAULT 0              -- bumped under the row lock: gap-free seqs
);
-- One private conversation per family and announcement.
CREATE UNIQUE INDEX threads_private_reply ON threads (reply_to_thread_id, child_id)
    WHERE reply_to_thread_id IS NOT NULL;

-- Who is in a thread, with their read position (a watermark that only moves
-- forward). last_activity_at is copied here so that an inbox is one index
-- range read, even for a director in thousands of threads.
CREATE TABLE thread_members (
    thread_id         uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    user_id           uuid NOT NULL REFERENCES users (id),
    is_staff          boolean NOT NULL,
    read_seq          integer NOT NULL DEFAULT 0,
    first_read_at     timestamptz,
    read_at           timestamptz,
    acked_at          timestamptz,   -- when this member's family signed (copied to each guardian)
    last_activity_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX thread_members_inbox ON thread_members (user_id, last_activity_at DESC, thread_id DESC);

-- The families a thread is addressed to: one row per child of the audience.
CREATE TABLE thread_children (
    thread_id  uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    child_id   uuid NOT NULL REFERENCES children (id),
    PRIMARY KEY (thread_id, child_id)
);
CREATE INDEX thread_children_child ON thread_children (child_id);

CREATE TABLE messages (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    thread_id   uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    seq         integer NOT NULL,
    author_id   uuid NOT NULL REFERENCES users (id),
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    client_id   text,
    UNIQUE (thread_id, seq)
);
-- A retried create with the same client_id finds the first one.
CREATE UNIQUE INDEX messages_client_id ON messages (author_id, client_id) WHERE client_id IS NOT NULL;

-- A family's signature ("Lu et pris connaissance"): the first guardian who signs.
CREATE TABLE acks (
    thread_id  uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    child_id   uuid NOT NULL REFERENCES children (id),
    user_id    uuid NOT NULL REFERENCES users (id),
    acked_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, child_id)
);
