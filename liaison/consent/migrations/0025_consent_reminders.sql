-- "Relancer les familles": at most once a day per class, the guardians who
-- have not answered get a notice (push, else email) asking for their answer.
CREATE TABLE consent_reminders (
    class_id     uuid PRIMARY KEY REFERENCES classes (id) ON DELETE CASCADE,
    reminded_at  timestamptz NOT NULL,
    reminded_by  uuid REFERENCES users (id) ON DELETE SET NULL
);

-- A signed paper form, recorded by the class's teacher or a director for the
-- guardian who signed it (null: the guardian answered themselves).
ALTER TABLE image_consents ADD COLUMN recorded_by uuid REFERENCES users (id) ON DELETE SET NULL;

-- The reminder goes out as an activity notice (liaison/activity: grouped,
-- quiet hours, push else email) of a third kind. The one change this
-- migration makes outside consent's own tables; activity's code knows the kind.
ALTER TABLE activity_notices DROP CONSTRAINT activity_notices_kind_check;
ALTER TABLE activity_notices ADD CONSTRAINT activity_notices_kind_check
    CHECK (kind IN ('blog', 'cahier', 'consent'));
