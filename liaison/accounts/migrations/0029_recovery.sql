-- Accounts people can recover: password reset links, the devices signed in,
-- and a second factor (TOTP with recovery codes) for directors and admins.

-- Each session gets a public id (the token hash stays private), the device it
-- was opened on (a summary of its User-Agent) and whether it is shared.
ALTER TABLE sessions
    ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN device text NOT NULL DEFAULT '',
    ADD COLUMN shared_device boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX sessions_id ON sessions (id);

-- One-time links of "Mot de passe oublié", kept hashed, valid one hour.
CREATE TABLE password_resets (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);

-- Every "forgotten password" request, known login or not, by address (hashed):
-- the per-address limit counts them, and nothing here tells who exists.
CREATE TABLE password_reset_requests (
    id          bigserial PRIMARY KEY,
    address     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_reset_requests_address ON password_reset_requests (address, created_at);

-- The second factor: the TOTP secret (base32), set up first, then enabled
-- once a code from the app has been typed back.
ALTER TABLE users
    ADD COLUMN totp_secret text,
    ADD COLUMN totp_enabled_at timestamptz;

CREATE TABLE recovery_codes (
    code_hash   bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- Between the password and the code: a short-lived challenge, kept hashed.
CREATE TABLE sign_in_challenges (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device      text NOT NULL DEFAULT '',
    expires_at  timestamptz NOT NULL,
    attempts    integer NOT NULL DEFAULT 0
);
