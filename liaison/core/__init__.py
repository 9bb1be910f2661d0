"""What every capability shares: the request context, the clock, paging, the
replay of a retried create, roles and kinds, error codes and event shapes.

The core imports no capability; capabilities import the core, and never
another capability's service for this plumbing.
"""
