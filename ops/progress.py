"""Progress of a long management command, the same way for every command.

On a terminal: one bar redrawn in place (``label |██████░░░░| 60% 1,200/2,000 note``), at most ten
times a second. Otherwise (a log file, CI, a pipe): a plain line at most every ``every`` seconds, so
work that ends sooner prints nothing, and a last line when lines were printed. ``note`` lines (a stage
started, a warning) are printed as they come, above the bar. The command prints its own final summary.

    with Progress(self.stderr, "verify_audit", total=n, unit="events") as progress:
        verify_chain(progress=progress.update)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol


class _Stream(Protocol):
    def write(self, text: str, /) -> Any: ...


def _plain(text: str) -> str:
    return text


def _isatty(stream: object) -> bool:
    check = getattr(stream, "isatty", None)
    try:
        return bool(check()) if callable(check) else False
    except (OSError, ValueError):
        return False


class Progress:
    def __init__(
        self,
        stream: _Stream,
        label: str,
        *,
        total: int | None = None,
        unit: str = "",
        every: float = 10.0,
        enabled: bool = True,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        width: int = 28,
    ) -> None:
        self.stream = stream
        self.label = label
        self.total = total
        self.unit = unit
        self.every = every
        self.enabled = enabled
        self.tty = _isatty(stream) if tty is None else tty
        self.clock = clock
        self.width = width
        self.done = 0
        self.note_text = ""
        self.started = clock()
        self._last = self.started  # the last line or redraw
        self._lines = 0  # plain lines printed so far
        self._drawn = 0  # length of the bar on screen (terminal)

    # --- what a command calls -------------------------------------------------------------------------
    def update(self, done: int, total: int | None = None, note: str | None = None) -> None:
        """``done`` of ``total`` (``total`` may be given once, here or at construction)."""
        self.done = done
        if total is not None:
            self.total = total
        if note is not None:
            self.note_text = note
        self._maybe_show()

    def advance(self, n: int = 1, note: str | None = None) -> None:
        self.update(self.done + n, note=note)

    def note(self, text: str) -> None:
        """A line of its own (above the bar on a terminal), shown at once."""
        if not self.enabled:
            return
        self._clear()
        self._write(text.rstrip("\n") + "\n")
        if self.tty and self.done:
            self._draw()

    def finish(self) -> None:
        """The final state: the bar completed on its line, or a last line if lines were printed."""
        if not self.enabled:
            return
        if self.tty:
            if self._drawn or self.done:
                self._draw()
                self._write("\n")
                self._drawn = 0
        elif self._lines:
            self._line()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.finish()
        else:
            self._clear()

    # --- rendering -----------------------------------------------------------------------------------------
    def describe(self) -> str:
        """``1,200/2,000 events (60%)`` or ``1,200 events`` without a total."""
        unit = f" {self.unit}" if self.unit else ""
        if self.total:
            percent = min(100, int(self.done * 100 / self.total))
            text = f"{self.done:,}/{self.total:,}{unit} ({percent}%)"
        else:
            text = f"{self.done:,}{unit}"
        return f"{text} {self.note_text}".rstrip()

    def _maybe_show(self) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if self.tty:
            if now - self._last >= 0.1 or (self.total is not None and self.done >= self.total):
                self._draw()
                self._last = now
        elif now - self._last >= self.every:
            self._line()
            self._last = now

    def _line(self) -> None:
        elapsed = self.clock() - self.started
        self._write(f"{self.label}: {self.describe()} after {elapsed:.0f}s\n")
        self._lines += 1

    def _draw(self) -> None:
        if self.total:
            filled = min(self.width, int(self.width * self.done / self.total))
            bar = "█" * filled + "░" * (self.width - filled)
            text = f"{self.label} |{bar}| {self.describe()}"
        else:
            text = f"{self.label} {self.describe()}"
        padding = " " * max(0, self._drawn - len(text))
        self._write("\r" + text + padding)
        self._drawn = len(text)

    def _clear(self) -> None:
        if self.tty and self._drawn:
            self._write("\r" + " " * self._drawn + "\r")
            self._drawn = 0

    def _write(self, text: str) -> None:
        from django.core.management.base import OutputWrapper

        if isinstance(self.stream, OutputWrapper):
            # Neither its own ending (it would break the in-place redraw) nor its style: a command's stderr
            # on a terminal is styled as an error (red).
            self.stream.write(text, style_func=_plain, ending="")
        else:
            self.stream.write(text)
        flush = getattr(self.stream, "flush", None)
        if callable(flush):
            flush()
