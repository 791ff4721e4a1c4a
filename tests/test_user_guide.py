"""The user-guide pages that say their code runs as it stands: run the
``.. code-block:: python`` blocks of each, in order, in one namespace."""

import re
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

USER_GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user_guide"
#: page -> the optional packages its code needs (the test skips without them)
RUNNABLE_PAGES = {
    "embeddings.rst": (),
    "persistence.rst": ("skops", "skl2onnx", "onnxruntime"),
    "validation.rst": (),
}
_BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", re.MULTILINE)


def _code(page):
    blocks = _BLOCK.findall((USER_GUIDE / page).read_text(encoding="utf-8"))
    assert blocks, f"{page} has no python code block"
    return "\n".join(
        "\n".join(line[3:] for line in block.splitlines()) for block in blocks
    )


@pytest.mark.parametrize("page", sorted(RUNNABLE_PAGES))
def test_user_guide_page_runs(page, capsys):
    for module in RUNNABLE_PAGES[page]:
        pytest.importorskip(module)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        exec(compile(_code(page), page, "exec"), {"__name__": "user_guide"})
    assert capsys.readouterr().out  # the page's prints ran
