-- A TOTP code serves once: the 30 s time step of the last code accepted for
-- the account; a code of the same step or an earlier one is refused.
ALTER TABLE users ADD COLUMN totp_last_step bigint;
