-- A family confirmed from a sign-up's waiting list is told (push, email).
ALTER TABLE notification_jobs DROP CONSTRAINT notification_jobs_kind_check;
ALTER TABLE notification_jobs ADD CONSTRAINT notification_jobs_kind_check
    CHECK (kind IN ('message', 'reminder', 'escalation', 'promotion'));
ALTER TABLE notification_jobs ADD COLUMN child_id uuid;   -- the family concerned, for 'promotion'
