"""The agents' Django admin for the collections app (label ``collections``).

Thin entry points only: every write goes through ``debt_collections.services``; every list comes from
``debt_collections.selectors`` (or is scoped to the cases it returns). Roles come from the user's
groups (``accounts.admin.has_staff_role`` and friends), never from Django model permissions.

Modules: ``access`` (role and scope helpers), ``filters`` (list filters), ``forms`` (the transition,
assignment and placement forms), ``cases`` (the case admin), ``case_actions`` / ``action_forms`` /
``case_records`` (the case page's contact and negotiation actions, their forms, the record sections),
``records`` (read-only attempts, payments, audit events, and the dispute queue), ``queues`` (pending
waivers, case tasks).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

import debt_collections.admin.reporting  # noqa: F401  (credit reporting, limit-change appeals)
from debt_collections.admin import cases, dashboard, queues, records, work_queue  # noqa: F401  (register)

admin.site.site_header = _("Collections case management")
admin.site.site_title = _("Collections case management")
admin.site.index_title = _("Cases, customers and the audit trail")
