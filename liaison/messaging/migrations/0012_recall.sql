-- A message recalled by its author (within 15 minutes) disappears for everyone;
-- a corrected one is shown as corrected.
ALTER TABLE messages ADD COLUMN recalled_at timestamptz;
ALTER TABLE messages ADD COLUMN edited_at timestamptz;
