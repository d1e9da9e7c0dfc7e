"""Tables of the compliance workspace: the record of each audit-chain verification run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditVerification(models.Model):
    """One run of ``debt_collections.kernel.audit.verify_chain``, started from the workspace ("verify now").

    A row is written when the run is asked for; the Celery task fills in ``progress`` every chunk and the
    result (``ok``, ``count``, ``broken_seq``, ``problem``) with ``finished_at`` at the end. A row with
    no ``finished_at`` is running (or its worker died: see ``is_stalled``).
    """

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The chain head's seq when the run was asked for: what "100 %" means for the progress bar.
    total = models.BigIntegerField(default=0)
    progress = models.BigIntegerField(default=0, help_text="events verified so far")
    ok = models.BooleanField(null=True, blank=True)
    count = models.BigIntegerField(default=0, help_text="events verified before the result")
    broken_seq = models.BigIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("audit chain verification")

    def __str__(self) -> str:
        if self.finished_at is None:
            return f"verification #{self.pk} (running)"
        return f"verification #{self.pk} ({'OK' if self.ok else 'BROKEN'})"

    @property
    def running(self) -> bool:
        return self.finished_at is None

    @property
    def percent(self) -> int:
        if self.total <= 0:
            return 100 if self.finished_at else 0
        return min(100, int(self.progress * 100 / self.total))
