"""Demo data for ``manage.py seed_demo``: customers, accounts and cases in every state, with a real history.

How it is built:

* **Deterministic.** One ``random.Random(SEED)`` drives every choice, in a fixed order that never
  depends on what the database holds, so the same size and clock give the same people, numbers and
  stories (``build.build_plan`` is pure).
* **Idempotent.** Groups, agencies and the demo logins are upserted by natural key (name, licence
  number, username) on every run. Customers, accounts, cases and their history are created only when
  the marker account ``ACC-DEMO-00001`` is absent; that creation is one transaction, so an interrupted
  run leaves nothing behind and the marker test stays sound. A second run creates nothing.
* **Through the services.** Bulk inserts are used only for rows that have no service and no history of
  their own (customers, contact points, accounts). Everything else is written by the service real use
  calls (``runner``): cases walk their lifecycle; calls go through the compliance gate and blocked ones
  are stored; plans are accepted from the offered options, activated after cooling-off, paid by
  payments, broken by the cycle's plan step; waivers are requested and decided maker-checker; disputes
  hold and release cases; notices go through the outbox; wrong-party reports quarantine numbers.
* **Time.** Dates are anchored to the clock at seed time (read once, ``now``), not to a fixed date:
  agencies must be licensed *today*, and ``due_date`` must agree with ``days_past_due`` for the daily
  cycle. Each story is laid out on the customer's local calendar (day ``k`` = ``k`` days past due,
  night-batch steps at 03:xx, staff steps in office hours, calls at the hour the gate should judge),
  every step strictly before ``now``, and all steps of all cases run in time order, so ``AuditEvent.at``
  never decreases along ``seq``. Steps the services judge by a policy pack are never planned before the
  first pack version took effect. Notices are sent at their own instant by the demo's stand-in for the
  worker (``outbox``); what is still deferred at the end is sent, or left pending, at today's clock by
  the relay, after the history. Run on a database that already holds later events, the demo events would
  sit after them in ``seq`` with earlier times; seed an empty database for a clean timeline.
* **Money.** Balances, payments and waivers are whole currency units (see ``plan._money`` for why).

Modules: ``names`` (raw material), ``reference`` (agencies, logins, actors), ``records`` (the plan's
dataclasses), ``stories`` (case lifecycles), ``history`` (disputes, waivers, notices, limit changes around
them) and ``calls`` (contact attempts, allowed and deliberately blocked), ``plan`` (people and timing),
``runner`` (the services), ``outbox`` (sending notices at their own time), ``writer`` (the transaction and
the summary).
"""
