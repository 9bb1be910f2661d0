"""Who finds what: a search shows a message only to whom its thread shows it.

The rule is messaging's (`thread_decision`, READ: the thread's members, as
the inbox), asked again here for each result; the store's SQL narrows the
candidates by the same membership so that a search reads only what it may
show. Pure: no I/O, no clock.
"""

from __future__ import annotations

from liaison.core.decisions import Decision
from liaison.core.people import User
from liaison.messaging.policy import ThreadAction, ThreadFacts, thread_decision

__all__ = ["Decision", "ThreadFacts", "result"]


def result(user: User, thread: ThreadFacts) -> Decision:
    """A message found in `thread` may be shown to `user` (ALLOW), or must not
    be, nor its existence told (HIDE)."""
    return thread_decision(user, thread, ThreadAction.READ)
