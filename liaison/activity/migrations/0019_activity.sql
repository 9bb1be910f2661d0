-- Grouped notices of new blog posts and cahier pages: one pending row per
-- (person, kind, key), written in the same transaction as the post or page.
-- A new post while the notice waits only adds to `count`: a teacher posting
-- five pages in ten minutes makes one notice ("5 nouvelles pages...").
-- state: pending → sending → sent | skipped | failed. `sending` is committed
-- before the send (two workers never send the same notice); a notice written
-- meanwhile is a new pending row, hence the partial unique index.
CREATE TABLE activity_notices (
    id             bigserial PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    school_id      uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('blog', 'cahier')),
    key            uuid NOT NULL,          -- the class (blog) or the child (cahier)
    name           text NOT NULL,          -- the class's name or the child's first name
    url            text NOT NULL,          -- within the app, e.g. /#/cahier/<child id>
    count          integer NOT NULL DEFAULT 1 CHECK (count > 0),
    first_at       timestamptz NOT NULL DEFAULT now(),
    last_at        timestamptz NOT NULL DEFAULT now(),
    hold_until     timestamptz,            -- quiet hours, the 17:00 digest, a retry
    state          text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sending', 'sent', 'skipped', 'failed')),
    channel        text CHECK (channel IN ('push', 'email')),
    attempts       integer NOT NULL DEFAULT 0,
    in_doubt       boolean NOT NULL DEFAULT false,
    first_try_at   timestamptz,
    sending_since  timestamptz,
    sent_at        timestamptz,
    error          text
);
CREATE UNIQUE INDEX activity_notices_pending ON activity_notices (user_id, kind, key) WHERE state = 'pending';
CREATE INDEX activity_notices_due ON activity_notices (first_at) WHERE state = 'pending';
CREATE INDEX activity_notices_sending ON activity_notices (sending_since) WHERE state = 'sending';
CREATE INDEX activity_notices_done ON activity_notices (last_at) WHERE state IN ('sent', 'skipped', 'failed');
