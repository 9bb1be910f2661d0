-- The circonscription's team: accounts above the schools, in none of them.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'circonscription', 'director', 'teacher', 'parent', 'student'));
ALTER TABLE users ADD COLUMN circonscription_id uuid REFERENCES circonscriptions (id);
ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users ADD CONSTRAINT users_school_check
    CHECK ((role IN ('admin', 'circonscription')) = (school_id IS NULL));
ALTER TABLE users ADD CONSTRAINT users_circonscription_check
    CHECK ((role = 'circonscription') = (circonscription_id IS NOT NULL));

-- The event stream a person's positions come from, fixed at creation: a
-- family later linked to a second school keeps it, so its positions only
-- grow. Null for the platform admin, who has no stream.
ALTER TABLE users ADD COLUMN stream_id uuid;
UPDATE users SET stream_id = school_id;
CREATE INDEX users_email_lower ON users (lower(email)) WHERE email IS NOT NULL;
