"""The record of each daily-cycle run: when it started and ended, how it ended, what it did.

Written by ``ops.services`` from the cycle's entry points (the command and the beat task), read by the
metrics collector (``ops.metrics``): the web process that serves the metrics is never the process that
ran the cycle, so the numbers live in the database.
"""

from __future__ import annotations

from django.db import models


class CycleRun(models.Model):
    class Outcome(models.TextChoices):
        RUNNING = "running"
        OK = "ok"  # finished, no account skipped
        ERRORS = "errors"  # finished, some accounts or limit changes skipped (the report's errors)
        FAILED = "failed"  # raised: the run stopped

    as_of = models.DateField()
    via = models.CharField(max_length=40, help_text="command or beat")
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.RUNNING)
    chunks = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True, help_text="the summed report (counts only)")

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"cycle {self.as_of.isoformat()} via {self.via} ({self.outcome})"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
