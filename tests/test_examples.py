"""Run every gallery example in ``examples/`` (needs matplotlib)."""

import pathlib
import runpy
import warnings

import pytest

EXAMPLES = sorted(
    (pathlib.Path(__file__).resolve().parent.parent / "examples").glob("plot_*.py")
)


@pytest.fixture
def pyplot(monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")  # in case pyplot was already imported by another test
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_examples_found():
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path, pyplot, capsys):
    with warnings.catch_warnings():
        # plt.show() on the non-interactive Agg backend warns; nothing to show.
        warnings.filterwarnings("ignore", message=".*non-interactive.*")
        runpy.run_path(str(path), run_name="__main__")
    assert pyplot.get_fignums(), f"{path.name} drew no figure"
