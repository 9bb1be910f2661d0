-- The VAPID key pair of this installation, made at first start (unless given
-- in the environment): browsers' subscriptions are bound to its public key.
CREATE TABLE push_keys (
    id           smallint PRIMARY KEY CHECK (id = 1),
    private_pem  text NOT NULL,
    public_key   text NOT NULL,   -- base64url, uncompressed P-256 point: the applicationServerKey
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE push_subscriptions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint      text NOT NULL UNIQUE,
    p256dh        text NOT NULL,
    auth          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_success_at timestamptz
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- The outbox: written in the same transaction as the message. A worker turns
-- a due job into deliveries, one per recipient and channel.
CREATE TABLE notification_jobs (
    id           bigserial PRIMARY KEY,
    school_id    uuid NOT NULL,
    thread_id    uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    seq          integer NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('message', 'reminder', 'escalation')),
    urgent       boolean NOT NULL DEFAULT false,
    due_at       timestamptz NOT NULL,
    done_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_jobs_due ON notification_jobs (due_at) WHERE done_at IS NULL;

-- The delivery log: what was sent to whom, by which channel, and how it went.
-- state: queued → sending → sent | failed | skipped. `sending` is committed
-- before the send: a worker that dies then leaves it for recovery, which sends
-- again at most once (in_doubt), hence at most one duplicate.
CREATE TABLE deliveries (
    id             bigserial PRIMARY KEY,
    job_id         bigint REFERENCES notification_jobs (id) ON DELETE CASCADE,
    thread_id      uuid NOT NULL,
    seq            integer NOT NULL,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel        text NOT NULL CHECK (channel IN ('push', 'email')),
    urgent         boolean NOT NULL DEFAULT false,
    state          text NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
    attempts       integer NOT NULL DEFAULT 0,
    in_doubt       boolean NOT NULL DEFAULT false,
    first_due_at   timestamptz NOT NULL DEFAULT now(),
    due_at         timestamptz NOT NULL DEFAULT now(),
    sending_since  timestamptz,
    sent_at        timestamptz,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, user_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (channel, due_at) WHERE state = 'queued';
CREATE INDEX deliveries_sending ON deliveries (sending_since) WHERE state = 'sending';
CREATE INDEX deliveries_thread_user ON deliveries (thread_id, user_id);

CREATE TABLE digest_runs (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day      date NOT NULL,
    sent_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, day)
);

-- When a thread first reached one of a user's open sockets (the "websocket"
-- column of the receipts), written in bulk by the web processes.
CREATE TABLE socket_deliveries (
    thread_id     uuid NOT NULL,
    user_id       uuid NOT NULL,
    delivered_at  timestamptz NOT NULL,
    PRIMARY KEY (thread_id, user_id)
);
