-- One stream per person, not per school: a family with children in two
-- schools, a teacher shared by two schools, a circonscription's team member
-- each keep ONE position that only grows (`users.stream_id`, fixed at
-- creation: the first school, or the circonscription). A stream is named by
-- that id: a school's or a circonscription's, hence no foreign key. An event
-- to people of several streams is written once in each (see the design note
-- in liaison/realtime/__init__.py). Existing streams keep their ids and
-- positions: every user's stream_id was their school.
ALTER TABLE event_streams DROP CONSTRAINT event_streams_school_id_fkey;
ALTER TABLE event_streams RENAME COLUMN school_id TO stream_id;
ALTER TABLE events RENAME COLUMN school_id TO stream_id;
ALTER TABLE event_recipients RENAME COLUMN school_id TO stream_id;
ALTER INDEX event_recipients_school_pos RENAME TO event_recipients_stream_pos;
