-- The date of an announcement (or a sign-up) put in the agenda from the
-- message itself: one event per class it addresses, or one for the whole
-- school, each pointing back to the message. Setting the date again replaces
-- them (the "thread's date"); events added from the agenda have no thread_id.
ALTER TABLE agenda_events ADD COLUMN thread_id uuid REFERENCES threads (id);
CREATE INDEX agenda_events_thread ON agenda_events (thread_id) WHERE thread_id IS NOT NULL;
