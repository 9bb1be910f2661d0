"""Real time: the event log, the notifier, the WebSocket and long polling.

Design note: gap-free positions, one stream per person
------------------------------------------------------
A client resumes from the last position it saw, so a position must never
become visible after a higher one (a PostgreSQL sequence does exactly that:
values are taken before commit, transactions commit in any order).

Each user has ONE event stream, `users.stream_id`, fixed when the account
is created: their first school's id, or their circonscription's for the
circonscription's team (the platform admin has none). A family later linked
to a second school, a teacher added to another school keep it, so their
position stays one integer that only grows. Most people of a school share
its stream, so an event to a school's families is written once.

An event goes into the stream of each of its recipients: `append` looks up
the recipients' streams (one read of `users` by primary key) and writes one
copy of the event per stream, with that stream's recipients. An
announcement of an RPI or to the staff of a circonscription is a few copies
(one per school whose people it reaches), never one per person.

A transaction that writes events bumps the `event_streams.last_pos` of each
of its streams at its end, in one order (sorted stream ids, one statement,
so two writers that share streams never deadlock); the row locks are held
until commit, so the transactions of one stream commit in the order of
their positions, and a reader at position P that later sees P+2 has already
been able to see P+1. The lock serialises only the last moment of the
event-writing transactions of one stream (a few milliseconds), never two
streams. `tests/integration/test_realtime.py` proves it with concurrent
writers and readers that resume again and again; `test_streams.py` with
the writers of two schools reaching one family.

Who sees what is decided when the event is written: each event has its
recipients (`event_recipients`, written in bulk with COPY), so resuming is
one indexed range read, and what a user may see is never recomputed.

Delivery: after commit the writer rings the bus once per stream written with
(stream, last position); each web process reads from PostgreSQL the events
after the position it already handed out, for the users connected to it
(see `notifier.py`).
"""
