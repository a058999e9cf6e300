"""``Progbar``: the progress bar that ``fit``, ``evaluate`` and ``predict`` print.

The layout follows Keras 3: a step count, a bar drawn with ``━``, the time (an ETA while
running, the elapsed time when done), the time per step and the metrics. On a terminal the
line redraws in place with colours; written to a file or a pipe it is plain text. What to
print when is decided by ``callbacks.ProgbarLogger``; this module only draws.
"""

import math
import os
import sys
import time

import numpy as np

from lamina.utils import io_utils

# ANSI styles: bold for counts and times, green for the finished part, grey for the rest.
_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_GREY = "\x1b[37m"
_RESET = "\x1b[0m"
_BAR_CHAR = "━"

# Without a terminal a line can't be redrawn, so each update is a new line. Spacing them
# out keeps a log file readable when steps are fast; the final line always prints.
_MIN_INTERVAL_WITHOUT_TERMINAL = 5.0

_BOTH_METRIC_LISTS = (
    "Progbar: pass at most one of `stateful_metrics` and `stateless_metrics`; got both. "
    "`stateful_metrics` lists the values shown as given (all others are averaged); "
    "`stateless_metrics` lists the values to average (all others are shown as given)."
)


def _is_dynamic_display():
    """True when the output can redraw a line in place (a terminal or a notebook; never
    when interactive logging is off and lines go to the logger)."""
    if not io_utils.is_interactive_logging_enabled():
        return False
    stdout = sys.stdout
    is_tty = hasattr(stdout, "isatty") and stdout.isatty()
    return is_tty or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def _format_value(value):
    """Format one metric value as Keras does: ``%.4f``, or ``%.4e`` when tiny."""
    if isinstance(value, str):
        return value
    try:
        value = float(np.mean(value))
    except (TypeError, ValueError):
        return str(value)
    if abs(value) > 1e-3:
        return f"{value:.4f}"
    return f"{value:.4e}"


def _format_duration(seconds):
    """Format an ETA: ``"7s"``, ``"2:05"`` (minutes) or ``"1:02:05"`` (hours)."""
    if seconds > 3600:
        return "%d:%02d:%02d" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def _format_time_per_unit(seconds, unit_name):
    """Format a time per step: ``"2s/step"``, ``"3ms/step"`` or ``"80us/step"``."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


class Progbar:
    """A progress bar for a loop of known (or unknown) length.

    Values passed to :meth:`update` are averaged over the steps they cover (weighted by the
    number of steps since the previous update), except those named in
    ``stateful_metrics``, which are shown as given. Passing ``stateless_metrics`` instead
    turns this around: only the names listed are averaged.

    Args:
        target: the total number of steps, or None when unknown.
        width: the bar's width in characters. Defaults to 20.
        verbose: 0 prints nothing, 1 a live bar, 2 one line when done. Defaults to 1.
        interval: the least time in seconds between two redraws. Defaults to 0.05.
        stateful_metrics: names of values to show as given, not averaged.
        stateless_metrics: names of values to average (all others are shown as given);
            give at most one of the two lists.
        unit_name: what a step is called in the time per step. Defaults to ``"step"``.

    Example:
        >>> bar = Progbar(10, verbose=2)
        >>> for step in range(1, 11):
        ...     bar.update(step, [("loss", 0.5)])  # prints "10/10 - 0s - ... - loss: 0.5000"
    """

    def __init__(
        self,
        target,
        width=20,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name="step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(_BOTH_METRIC_LISTS)
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics is not None else None
        self.stateless_metrics = (
            set(stateless_metrics) if stateless_metrics is not None else None
        )
        self._dynamic_display = _is_dynamic_display()
        self._seen_so_far = 0
        # name -> [weighted sum, total weight]; the list keeps first-seen order for display.
        self._values = {}
        self._values_order = []
        self._start = time.time()
        # A terminal draws the first update at once; plain output waits a full interval,
        # so short loops write just their final line.
        self._last_update = 0.0 if self._dynamic_display else self._start
        self._first_step_time = None
        self._prev_width = 0

    def update(self, current, values=None, finalize=None):
        """Move the bar to step ``current`` and record ``values``.

        Args:
            current: the number of steps done.
            values: a list of ``(name, value)`` pairs (or a dict) for the steps since the
                last update.
            finalize: whether this is the last update; None means ``current >= target``.

        Example:
            >>> bar = Progbar(4, verbose=0)
            >>> bar.update(2, [("loss", 1.0)])
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if isinstance(values, dict):
            values = values.items()
        for name, value in values or ():
            self._record(name, value, current)
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._time_per_unit(current, now)
        if self.verbose == 1:
            self._draw_live(current, now, time_per_unit, finalize)
        elif self.verbose == 2 and finalize:
            self._draw_summary(current, now, time_per_unit)

    def due(self):
        """True when the next (not final) :meth:`update` would redraw the bar.

        A caller whose values cost something to compute (tensors on a device) can skip
        them on the updates that would not be drawn.

        Example:
            >>> bar = Progbar(4, verbose=1)
            >>> bar.due()
            True
        """
        if self.verbose != 1:
            return False
        min_interval = self.interval
        if not self._dynamic_display:
            min_interval = max(min_interval, _MIN_INTERVAL_WITHOUT_TERMINAL)
        return time.time() - self._last_update >= min_interval

    def add(self, n, values=None):
        """Advance the bar by ``n`` steps (see :meth:`update`).

        Example:
            >>> bar = Progbar(4, verbose=0)
            >>> bar.add(1, [("loss", 1.0)])
        """
        self.update(self._seen_so_far + n, values)

    def _is_averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        if self.stateless_metrics is not None:
            return name in self.stateless_metrics
        return True

    def _record(self, name, value, current):
        if name not in self._values:
            self._values_order.append(name)
        if not self._is_averaged(name):
            self._values[name] = [value, 1]
            return
        # A value stands for every step since the previous update; at least one, so a
        # repeated update at the same step (end of an epoch of unknown length) still counts.
        steps = max(current - self._seen_so_far, 1)
        total, weight = self._values.get(name, [0.0, 0])
        self._values[name] = [total + np.mean(value) * steps, weight + steps]

    def _time_per_unit(self, current, now):
        """Seconds per step, leaving out the first step (it often includes compiling)."""
        if not current:
            return 0.0
        if self._first_step_time is not None and current > 1:
            per_unit = (now - self._first_step_time) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._first_step_time = now
        return per_unit

    def _metrics_text(self):
        parts = []
        for name in self._values_order:
            total, weight = self._values[name]
            if weight > 1:
                total = total / weight
            parts.append(f" - {name}: {_format_value(total)}")
        return "".join(parts)

    def _count_text(self, current, target):
        digits = int(math.log10(target)) + 1
        return f"%{digits}d/%d" % (current, target)

    def _draw_live(self, current, now, time_per_unit, finalize):
        min_interval = self.interval
        if not self._dynamic_display:
            min_interval = max(min_interval, _MIN_INTERVAL_WITHOUT_TERMINAL)
        if not finalize and now - self._last_update < min_interval:
            return
        self._last_update = now

        # Each piece is (text, ANSI style or None); styles are dropped without a terminal.
        pieces = []
        has_target = self.target is not None and self.target > 0
        if has_target:
            done = min(int(self.width * current / self.target), self.width)
            pieces.append((self._count_text(current, self.target), _BOLD))
            pieces.append((" ", None))
            if done:
                pieces.append((_BAR_CHAR * done, _GREEN))
            pieces.append((_BAR_CHAR * (self.width - done), _GREY))
        else:
            pieces.append(("%7d/Unknown" % current, None))
        pieces.append((" ", None))
        if has_target and not finalize:
            eta = time_per_unit * (self.target - current)
            pieces.append((_format_duration(eta), _BOLD))
        else:
            pieces.append((f"{now - self._start:.0f}s", _BOLD))
        pieces.append((" " + _format_time_per_unit(time_per_unit, self.unit_name), None))
        pieces.append((self._metrics_text(), None))

        width = sum(len(text) for text, _ in pieces)
        if self._dynamic_display:
            line = "".join(f"{style}{text}{_RESET}" if style else text for text, style in pieces)
            # Blank out what is left of a longer previous line.
            message = "\r" + line + " " * max(self._prev_width - width, 0)
            if finalize:
                message += "\n"
        else:
            message = "".join(text for text, _ in pieces) + "\n"
        self._prev_width = width
        _write(message)

    def _draw_summary(self, current, now, time_per_unit):
        target = self.target if self.target else current
        if not target:
            return
        message = (
            f"{self._count_text(current, target)} - {now - self._start:.0f}s"
            f" - {_format_time_per_unit(time_per_unit, self.unit_name)}"
            f"{self._metrics_text()}\n"
        )
        _write(message)


def _write(message):
    io_utils.print_msg(message, line_break=False)
