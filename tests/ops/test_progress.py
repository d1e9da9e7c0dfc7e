"""The progress helper every long command uses (ops.progress)."""

from __future__ import annotations

import io
from io import StringIO

from django.core.management.base import OutputWrapper

from ops.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_elsewhere_than_a_terminal_a_short_run_prints_nothing() -> None:
    out, clock = io.StringIO(), Clock()
    with Progress(out, "verify_audit", total=100, unit="events", tty=False, clock=clock) as progress:
        for n in range(0, 101, 10):
            clock.now += 0.5
            progress.update(n)
    assert out.getvalue() == ""


def test_elsewhere_a_long_run_prints_a_line_every_period_and_a_last_line() -> None:
    out, clock = io.StringIO(), Clock()
    with Progress(
        out, "export_audit", total=3000, unit="events", every=10, tty=False, clock=clock
    ) as progress:
        for n in range(1000, 3001, 1000):
            clock.now += 6
            progress.update(n)
    assert out.getvalue().splitlines() == [
        "export_audit: 2,000/3,000 events (66%) after 12s",
        "export_audit: 3,000/3,000 events (100%) after 18s",
    ]


def test_on_a_terminal_one_bar_is_redrawn_in_place_and_ends_with_a_newline() -> None:
    out, clock = io.StringIO(), Clock()
    with Progress(out, "cycle", total=4, unit="chunks", tty=True, clock=clock, width=8) as progress:
        for n in range(1, 5):
            clock.now += 1
            progress.update(n, note=f"{n} opened")
    text = out.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1
    assert "\rcycle |████████| 4/4 chunks (100%) 4 opened" in text
    assert "\rcycle |██░░░░░░| 1/4 chunks (25%) 1 opened" in text


def test_notes_go_above_the_bar_and_the_bar_comes_back() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, "seed_demo", total=10, tty=True, clock=clock, width=4)
    clock.now = 1
    progress.update(5)
    progress.note("Sending 12 notices…")
    assert out.getvalue().endswith("Sending 12 notices…\n\rseed_demo |██░░| 5/10 (50%)")


def test_a_disabled_progress_prints_nothing_even_on_a_terminal() -> None:
    out = io.StringIO()
    with Progress(out, "x", total=2, tty=True, enabled=False) as progress:
        progress.update(2)
        progress.note("hidden")
    assert out.getvalue() == ""


def test_a_commands_output_wrapper_gets_no_extra_newlines() -> None:
    raw = StringIO()
    progress = Progress(OutputWrapper(raw), "x", total=2, tty=True, clock=Clock())
    progress.update(2)
    assert raw.getvalue() == "\rx |████████████████████████████| 2/2 (100%)"


def test_a_commands_stderr_on_a_terminal_is_not_styled_as_an_error() -> None:
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    raw = Terminal()
    wrapper = OutputWrapper(raw)
    wrapper.style_func = lambda text: f"<red>{text}</red>"  # what BaseCommand sets for a terminal's stderr
    wrapper.write("an error")
    assert raw.getvalue() == "<red>an error\n</red>"  # (styled, as an error would be)
    raw.truncate(0)
    raw.seek(0)
    Progress(wrapper, "x", tty=True, clock=Clock()).note("Sending 3 notices…")
    assert raw.getvalue() == "Sending 3 notices…\n"
