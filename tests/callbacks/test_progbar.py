"""Progbar: layout for verbose 1 and 2, averaging, terminals vs plain output, Keras parity."""

import io
import re
import sys

import pytest

from lamina.utils import progbar as progbar_module
from lamina.utils.progbar import Progbar

_ANSI = re.compile(r"\x1b\[\d+m")
_PER_STEP = r"\d+(s|ms|us)/step"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def terminal(monkeypatch):
    """Draw as on a terminal; read what was written with capsys."""
    monkeypatch.setattr(progbar_module, "_is_dynamic_display", lambda: True)


def _run(bar, steps, values_per_step):
    for step in range(1, steps + 1):
        bar.update(step, values_per_step(step))


def test_progbar_verbose_1_final_line_shows_count_bar_time_and_metrics(capsys):
    _run(Progbar(10), 10, lambda step: [("accuracy", 0.8123), ("loss", 0.5012)])
    last_line = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(
        rf"10/10 ━{{20}} \d+s {_PER_STEP} - accuracy: 0\.8123 - loss: 0\.5012", last_line
    )


def test_progbar_detects_terminal_from_stdout(monkeypatch):
    monkeypatch.setattr(sys, "stdout", _Terminal())
    is_dynamic = progbar_module._is_dynamic_display()
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert (is_dynamic, progbar_module._is_dynamic_display()) == (True, False)


def test_progbar_without_terminal_writes_no_ansi_codes(capsys):
    _run(Progbar(10), 10, lambda step: [("loss", 0.5)])
    assert "\x1b" not in capsys.readouterr().out


def test_progbar_on_terminal_colours_count_and_bar(terminal, capsys):
    bar = Progbar(10, interval=0.0)
    bar.update(3, [("loss", 0.5)])
    text = capsys.readouterr().out
    assert text.startswith("\r\x1b[1m 3/10\x1b[0m \x1b[32m" + "━" * 6 + "\x1b[0m")
    assert "\x1b[37m" + "━" * 14 + "\x1b[0m" in text
    assert "\n" not in text


def test_progbar_on_terminal_ends_line_only_when_finished(terminal, capsys):
    bar = Progbar(2, interval=0.0)
    bar.update(1, [("loss", 0.5)])
    bar.update(2, [("loss", 0.5)])
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n")


def test_progbar_redraws_at_most_every_interval_but_always_last_step(terminal, capsys):
    bar = Progbar(5, interval=100.0)
    _run(bar, 5, lambda step: [("loss", 1.0)])
    # The first update draws (nothing drawn yet), the next three are too soon, the last
    # always draws.
    assert capsys.readouterr().out.count("\r") == 2


def test_progbar_without_terminal_prints_only_final_line_for_fast_steps(capsys):
    _run(Progbar(50), 50, lambda step: [("loss", 1.0)])
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("50/50 ")


def test_progbar_verbose_2_prints_one_summary_line(capsys):
    _run(Progbar(10, verbose=2), 10, lambda step: [("accuracy", 0.75), ("loss", 0.5)])
    out = capsys.readouterr().out
    assert re.fullmatch(rf"10/10 - \d+s - {_PER_STEP} - accuracy: 0\.7500 - loss: 0\.5000\n", out)


def test_progbar_verbose_0_prints_nothing(capsys):
    _run(Progbar(10, verbose=0), 10, lambda step: [("loss", 0.5)])
    assert capsys.readouterr().out == ""


def test_progbar_averages_values_weighted_by_steps(capsys):
    bar = Progbar(4, verbose=2)
    bar.update(1, [("loss", 1.0)])
    bar.update(4, [("loss", 3.0)])  # covers steps 2-4
    assert "loss: 2.5000" in capsys.readouterr().out  # (1*1 + 3*3) / 4


def test_progbar_shows_stateful_metrics_as_given(capsys):
    bar = Progbar(2, verbose=2, stateful_metrics=["loss"])
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 3.0)])
    assert "loss: 3.0000" in capsys.readouterr().out


def test_progbar_stateless_metrics_averages_only_those_named(capsys):
    bar = Progbar(2, verbose=2, stateless_metrics=["a"])
    bar.update(1, [("a", 1.0), ("b", 1.0)])
    bar.update(2, [("a", 3.0), ("b", 3.0)])
    assert "a: 2.0000 - b: 3.0000" in capsys.readouterr().out


def test_progbar_rejects_both_metric_lists():
    with pytest.raises(ValueError, match="at most one of `stateful_metrics`"):
        Progbar(2, stateful_metrics=["a"], stateless_metrics=["b"])


def test_progbar_add_advances_by_n(capsys):
    bar = Progbar(4, verbose=2)
    bar.add(2, [("loss", 1.0)])
    bar.add(2, [("loss", 1.0)])
    assert capsys.readouterr().out.startswith("4/4 - ")


def test_progbar_accepts_values_as_dict(capsys):
    Progbar(1, verbose=2).update(1, {"loss": 0.25})
    assert "loss: 0.2500" in capsys.readouterr().out


def test_progbar_formats_tiny_values_in_scientific_notation(capsys):
    Progbar(1, verbose=2).update(1, [("loss", 1e-4), ("neg", -5e-5)])
    assert "loss: 1.0000e-04 - neg: -5.0000e-05" in capsys.readouterr().out


def test_progbar_unknown_target_shows_count_only(terminal, capsys):
    Progbar(None, interval=0.0).update(3, [("loss", 1.0)])
    assert "      3/Unknown" in capsys.readouterr().out


def test_progbar_unit_name_appears_in_time_per_unit(capsys):
    Progbar(1, verbose=2, unit_name="sample").update(1)
    assert re.search(r"\d+(s|ms|us)/sample", capsys.readouterr().out)


@pytest.mark.parametrize(
    "seconds, text", [(7.9, "7s"), (125, "2:05"), (3725, "1:02:05")]
)
def test_progbar_eta_format(seconds, text):
    assert progbar_module._format_duration(seconds) == text


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "0s/step"), (2.0, "2s/step"), (0.003, "3ms/step"), (5e-5, "50us/step")],
)
def test_progbar_time_per_step_format(seconds, text):
    assert progbar_module._format_time_per_unit(seconds, "step") == text


def _normalize_times(text):
    text = re.sub(_PER_STEP, "T/step", text)
    return re.sub(r"\b\d+s\b", "Ts", text)


def test_progbar_verbose_2_matches_keras(capsys):
    keras = pytest.importorskip("keras")

    def feed(bar):
        for step in range(1, 6):
            bar.update(step, [("accuracy", 0.1 * step), ("loss", 1.0 / step)])

    feed(keras.utils.Progbar(5, verbose=2, stateful_metrics=["accuracy", "loss"]))
    theirs = capsys.readouterr().out
    feed(Progbar(5, verbose=2, stateful_metrics=["accuracy", "loss"]))
    ours = capsys.readouterr().out
    assert _normalize_times(ours) == _normalize_times(theirs)


def test_progbar_verbose_1_final_line_matches_keras(terminal, capsys):
    keras = pytest.importorskip("keras")

    def final_line(bar):
        for step in range(1, 6):
            bar.update(step, [("accuracy", 0.1 * step), ("loss", 1.0 / step)])
        return _normalize_times(capsys.readouterr().out.replace("\b", "").split("\r")[-1])

    names = ["accuracy", "loss"]
    theirs = final_line(keras.utils.Progbar(5, stateful_metrics=names, interval=0.0))
    ours = final_line(Progbar(5, stateful_metrics=names, interval=0.0))
    assert ours == theirs


def test_progbar_without_terminal_writes_progress_as_new_lines(monkeypatch, capsys):
    monkeypatch.setattr(progbar_module, "_MIN_INTERVAL_WITHOUT_TERMINAL", 0.0)
    _run(Progbar(3, interval=0.0), 3, lambda step: [("loss", 1.0)])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ")[0] for line in lines] == ["1/3", "2/3", "3/3"]
