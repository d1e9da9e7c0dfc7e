"""The small kernel every domain service stands on, and nothing above it.

``locking`` (row locks), ``access`` (who may do what: the role table, scope, agency licence),
``audit`` (the tamper-evident chain), ``gate`` (the pure compliance gate fed from the database),
``bulk`` (the COPY fast path for batch inserts), ``db_triggers`` (append-only audit table).
It imports models and policies only; services, entry points and tasks import it, never the reverse.
"""
