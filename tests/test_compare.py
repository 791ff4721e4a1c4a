"""Tests of the ``python -m skbackprop`` comparison table."""

import math
import re

from skbackprop._compare import COLUMNS, main


def _parse_table(text):
    """Return the table rows of ``main``'s output as dicts keyed by column."""
    lines = text.splitlines()
    sep = next(i for i, line in enumerate(lines) if set(line) <= {"-", " "} and line)
    header = re.split(r"\s{2,}", lines[sep - 1].strip())
    assert tuple(header) == COLUMNS
    rows = []
    for line in lines[sep + 1 :]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) != len(COLUMNS):
            break
        rows.append(dict(zip(COLUMNS, cells)))
    return rows


def test_main_diabetes_prints_finite_scores(capsys):
    assert main(["--dataset", "diabetes", "--max-iter", "50"]) == 0
    rows = _parse_table(capsys.readouterr().out)

    assert [r["model"] for r in rows] == ["BackpropRegressor", "MLPRegressor"]
    for row in rows:
        assert row["dataset"] == "diabetes"
        assert row["metric"] == "r2"
        score = float(row["score"])
        assert math.isfinite(score) and score <= 1.0
        fit_time = float(row["fit time (s)"])
        assert math.isfinite(fit_time) and fit_time >= 0.0
        assert 1 <= int(row["epochs"]) <= 50
        assert math.isfinite(float(row["ratio"]))
    # the reference model is the base of the fit-time ratio
    assert float(rows[1]["ratio"]) == 1.0
