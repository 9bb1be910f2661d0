"""Real time: the event log, the notifier, the WebSocket and long polling.

Design note: gap-free positions
-------------------------------
A client resumes from the last position it saw, so a position must never
become visible after a higher one (a PostgreSQL sequence does exactly that:
values are taken before commit, transactions commit in any order). Liaison
keeps one event stream per school (a user belongs to one school, so a
user's positions are the school's). A transaction that writes events bumps
`event_streams.last_pos` as its last statement; the row lock it takes is
held until commit, so the transactions of one school commit in the order of
their positions, and a reader at position P that later sees P+2 has already
been able to see P+1. The lock serialises only the last moment of the
event-writing transactions of one school (a few milliseconds), never two
schools. `tests/integration/test_realtime.py` proves it with concurrent
writers and readers that resume again and again.

Who sees what is decided when the event is written: each event has its
recipients (`event_recipients`, written in bulk with COPY), so resuming is
one indexed range read, and what a user may see is never recomputed.

Delivery: after commit the writer rings the bus with (school, last position);
each web process reads from PostgreSQL the events after the position it
already handed out, for the users connected to it (see `notifier.py`).
"""
