CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    login         text NOT NULL UNIQUE CHECK (login = lower(login)),
    password_hash text,               -- argon2id; null until the account is activated
    role          text NOT NULL CHECK (role IN ('admin', 'director', 'teacher', 'parent', 'student')),
    school_id     uuid REFERENCES schools (id),
    first_name    text NOT NULL DEFAULT '',
    last_name     text NOT NULL DEFAULT '',
    display_name  text NOT NULL,
    email         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    activated_at  timestamptz,
    CHECK ((role = 'admin') = (school_id IS NULL))
);
CREATE INDEX users_school_role ON users (school_id, role);

-- Opaque bearer tokens; only their SHA-256 is kept, so a database dump
-- does not let anyone sign in.
CREATE TABLE sessions (
    token_hash    bytea PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- One-time codes printed on activation letters, kept hashed. Several may be
-- valid at once (a reprinted letter must not void the one already sent home);
-- using one voids the others.
CREATE TABLE activation_codes (
    code_hash   bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX activation_codes_user ON activation_codes (user_id);

CREATE TABLE user_preferences (
    user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email_mode   text NOT NULL DEFAULT 'immediate' CHECK (email_mode IN ('immediate', 'digest', 'off')),
    push         boolean NOT NULL DEFAULT true,
    quiet_start  time,
    quiet_end    time,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);
