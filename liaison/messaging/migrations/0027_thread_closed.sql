-- A director may close a conversation to new messages (a flood, a quarrel
-- between adults) and reopen it; it stays readable. closed_by: who closed it.
ALTER TABLE threads
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN closed_by uuid REFERENCES users (id);
