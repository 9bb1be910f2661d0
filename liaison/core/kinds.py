"""The kinds of thread: stored in `threads.kind`, shown as `Thread.kind`."""

from __future__ import annotations

import enum


class ThreadKind(enum.StrEnum):
    DIRECT = "direct"  # about one child, the family and the school staff concerned
    ANNOUNCEMENT = "announcement"  # from the school to every family of an audience
    SIGNUP = "signup"  # an announcement with slots to volunteer for
    ABSENCE = "absence"  # a direct thread carrying an absence report


# Threads the school sends to many families: families read, sign, answer privately.
BROADCAST_KINDS = (ThreadKind.ANNOUNCEMENT, ThreadKind.SIGNUP)
