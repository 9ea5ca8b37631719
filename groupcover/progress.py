"""Progress of long work (imports, syncs, notice runs): done, rate and time left.

On a terminal a ``rich`` bar; elsewhere (cron, logs, tests) a plain line now and then, so a
log shows how far a job got without a line per row::

    with Progress("import suppliers", total=100_000) as progress:
        for batch in batches:
            ...
            progress.advance(len(batch))

``total`` may be None (unknown) and may be set later (``progress.total = n``); ``phase``
renames the work in hand (``progress.phase("writing", total=n)`` restarts the count).
``quiet=True`` counts without printing (a service called from the API).
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import IO


class Progress:
    """Rows (or accounts, or notices) done of ``total``; a context manager."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        unit: str = "rows",
        stream: IO[str] | None = None,
        interactive: bool | None = None,
        every_seconds: float = 5.0,
        quiet: bool = False,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._interactive = (
            bool(getattr(self._stream, "isatty", lambda: False)())
            if interactive is None
            else interactive
        )
        self._every = every_seconds
        self._quiet = quiet
        self._started = self._last_line = time.monotonic()
        self._bar = None
        self._task = None

    def __enter__(self) -> Progress:
        if self._interactive and not self._quiet:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(file=self._stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, rate="")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif exc_type is None and self.done:
            self._line(final=True)

    def phase(self, label: str, total: int | None = None) -> None:
        """Start a new stage of the same work (e.g. validating, then writing)."""
        if self._bar is None and self.done:
            self._line(final=True)
        self.label, self.total, self.done = label, total, 0
        self._started = self._last_line = time.monotonic()
        if self._bar is not None:
            self._bar.update(self._task, description=label, total=total, completed=0, rate="")

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, total=self.total, rate=self.rate_text)
        elif time.monotonic() - self._last_line >= self._every:
            self._line()

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self._started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def rate_text(self) -> str:
        return f"{self.rate:,.0f} {self.unit}/s"

    def seconds_left(self) -> float | None:
        if not self.total or not self.rate:
            return None
        return max(self.total - self.done, 0) / self.rate

    def _line(self, *, final: bool = False) -> None:
        if self._quiet:
            return
        self._last_line = time.monotonic()
        of = f"/{self.total:,}" if self.total else ""
        text = f"{self.label}: {self.done:,}{of} {self.unit} ({self.rate_text}"
        left = self.seconds_left()
        if not final and left is not None:
            text += f", {left:,.0f} s left"
        print(text + ")", file=self._stream, flush=True)
