-- Slots of a sign-up thread (outing companions, snacks...) and who signed up.
CREATE TABLE signup_slots (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    thread_id  uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    position   integer NOT NULL,
    label      text NOT NULL,
    capacity   integer NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
    closes_at  timestamptz,
    UNIQUE (thread_id, position)
);

-- One row per family and slot; `arrival` orders the waiting list.
-- The slot's row is locked while a sign-up or a withdrawal is decided, so
-- `confirmed` never exceeds the capacity, whatever the concurrency.
CREATE TABLE signups (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slot_id     uuid NOT NULL REFERENCES signup_slots (id) ON DELETE CASCADE,
    child_id    uuid NOT NULL REFERENCES children (id),   -- the family
    user_id     uuid NOT NULL REFERENCES users (id),      -- the guardian who signed up
    status      text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'withdrawn')),
    note        text NOT NULL DEFAULT '',
    arrival     bigserial,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX signups_one_per_family ON signups (slot_id, child_id) WHERE status <> 'withdrawn';
CREATE INDEX signups_slot_order ON signups (slot_id, status, arrival);
