"""Tests of the ``skbackprop compare`` command (``python -m skbackprop``)."""

import csv
import importlib.util
import io
import json
import math
import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

from skbackprop._compare import (
    DATASETS,
    CompareError,
    _hidden_sizes,
    infer_task,
    main,
    read_csv,
)

ROOT = Path(__file__).resolve().parents[1]
# a fast run: one or two candidates, few epochs
FAST = ["--max-iter", "20", "--hidden", "8", "--lr", "1e-2", "--cv", "2"]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH")) if p
    )
    return env


def _run_cli(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "skbackprop", *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=timeout,
        cwd=ROOT,
    )


def _parse_table(text):
    """Return ``(model names, {row label: [cell per model]})`` of the table."""
    lines = text.splitlines()
    sep = next(
        i for i, line in enumerate(lines) if line.strip() and set(line) <= {"-", " "}
    )
    models = re.split(r"\s{2,}", lines[sep - 1].strip())
    rows = {}
    for line in lines[sep + 1 :]:
        if not line.strip():
            break
        label, *cells = re.split(r"\s{2,}", line.strip())
        assert len(cells) == len(models), line
        rows[label] = cells
    return models, rows


def _progress_lines(stderr):
    return [line for line in stderr.splitlines() if re.search(r"\[\d+/\d+\]", line)]


def _write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _iris_csv(path, numeric_labels=False):
    X, y = load_iris(return_X_y=True)
    names = ["setosa", "versicolor", "virginica"]
    rows = [
        [*features, label if numeric_labels else names[label]]
        for features, label in zip(X.tolist(), y.tolist())
    ]
    header = ["sepal length", "sepal width", "petal length", "petal width", "species"]
    return _write_csv(path, header, rows)


# ------------------------------------------------------------- default run


def test_default_run_prints_a_side_by_side_table():
    """``python -m skbackprop`` with no arguments: the README's first command."""
    proc = _run_cli()
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr

    models, rows = _parse_table(proc.stdout)
    assert models == ["BackpropRegressor", "MLPRegressor"]
    assert "diabetes" in proc.stdout.splitlines()[0]
    for cell in rows["hidden_layer_sizes"]:
        assert cell in {"(16,)", "(64,)"}
    for cell in rows["learning_rate_init"]:
        assert float(cell) in {1e-3, 1e-2}
    for cell in rows["CV r2 (mean ± std)"]:
        mean, std = (float(v) for v in cell.split("±"))
        assert 0 < mean <= 1 and 0 <= std < 1
    for cell in rows["test r2"]:
        assert 0 < float(cell) <= 1
    for label in ("fit time (s)", "search time (s)"):
        for cell in rows[label]:
            assert math.isfinite(float(cell)) and float(cell) >= 0
    for cell in rows["epochs"]:
        assert 1 <= int(cell) <= 300
    assert set(rows["converged"]) <= {"yes", "no"}
    # the reference model's search time is the base of the ratio
    assert float(rows["search time ratio"][1]) == 1.0
    assert float(rows["search time ratio"][0]) > 0

    # progress: one line per candidate and model, on stderr only
    progress = _progress_lines(proc.stderr)
    assert len(progress) == 8
    assert sum("BackpropRegressor [" in line for line in progress) == 4
    assert sum("MLPRegressor [" in line for line in progress) == 4
    assert "[4/4]" in progress[-1] and "CV r2" in progress[-1]
    assert not _progress_lines(proc.stdout)


def test_compare_subcommand_and_options_without_subcommand(capsys):
    # the old form without a command keeps working and equals ``compare``
    assert main(["--dataset", "diabetes", *FAST, "-q"]) == 0
    without = _parse_table(capsys.readouterr().out)
    assert main(["compare", "--dataset", "diabetes", *FAST, "-q"]) == 0
    with_command = _parse_table(capsys.readouterr().out)
    assert without[0] == with_command[0]
    assert without[1]["test r2"] == with_command[1]["test r2"]


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("skbackprop ")
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--dataset", "--csv", "--target", "--hidden", "--lr", "--json"):
        assert option in out


def test_console_script_if_installed():
    script = Path(sys.executable).with_name("skbackprop")
    if not script.exists():
        pytest.skip("the skbackprop console script is not installed")
    proc = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("skbackprop ")


# ------------------------------------------------------------ JSON output


def test_json_output_is_valid_and_complete(capsys):
    argv = ["compare", "--dataset", "iris", "--max-iter", "30"]
    argv += ["--hidden", "8,4x4", "--lr", "1e-2,5e-2", "--json", "-q"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # -q: no progress
    result = json.loads(captured.out)  # stdout holds nothing but the JSON

    assert result["dataset"] == "iris"
    assert result["task"] == "classification"
    assert result["metric"] == "accuracy"
    assert result["n_samples"] == 150 and result["n_features"] == 4
    assert result["n_outputs"] == 1
    assert result["classes"] == [0, 1, 2]
    assert result["n_train"] + result["n_test"] == 150
    assert result["cv"] == 3 and result["max_iter"] == 30 and result["seed"] == 0
    assert result["param_grid"] == {
        "hidden_layer_sizes": [[8], [4, 4]],
        "learning_rate_init": [0.01, 0.05],
    }
    assert set(result["versions"]) >= {"skbackprop", "scikit-learn", "numpy"}

    names = [m["name"] for m in result["models"]]
    assert names == ["BackpropClassifier", "MLPClassifier"]
    for model in result["models"]:
        assert set(model["best_params"]) == {"hidden_layer_sizes", "learning_rate_init"}
        assert model["best_params"]["hidden_layer_sizes"] in ([8], [4, 4])
        assert 0 <= model["cv_mean"] <= 1 and model["cv_std"] >= 0
        assert 0 <= model["test_score"] <= 1
        assert model["fit_time"] >= 0 and model["search_time"] >= 0
        assert 1 <= model["epochs"] <= 30
        assert isinstance(model["converged"], bool)
        assert len(model["candidates"]) == 4
        ranks = sorted(c["rank"] for c in model["candidates"])
        assert ranks[0] == 1
        best = [c for c in model["candidates"] if c["rank"] == 1]
        assert any(c["cv_mean"] == model["cv_mean"] for c in best)
    assert result["models"][1]["search_time_ratio"] == 1.0


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_dataset_runs(name, capsys):
    argv = ["compare", "--dataset", name, "--max-iter", "5", "--hidden", "4"]
    argv += ["--lr", "1e-2", "--cv", "2", "--json", "-q"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    task = DATASETS[name][0]
    assert result["task"] == task
    expected = ("BackpropClassifier", "MLPClassifier")
    if task == "regression":
        expected = ("BackpropRegressor", "MLPRegressor")
    assert tuple(m["name"] for m in result["models"]) == expected
    assert result["n_outputs"] == (3 if name == "linnerud" else 1)


# -------------------------------------------------------------- progress


def test_progress_lines_on_stderr(capsys):
    argv = ["compare", "--dataset", "iris", "--max-iter", "10"]
    argv += ["--hidden", "4,8,8x8", "--lr", "1e-2"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    progress = _progress_lines(captured.err)
    assert len(progress) == 6  # 3 candidates x 2 models
    assert progress[0].startswith("skbackprop: BackpropClassifier [1/3]")
    assert "hidden_layer_sizes=(8, 8)" in progress[2]
    assert "CV accuracy" in progress[0] and "±" in progress[0]
    assert progress[-1].startswith("skbackprop: MLPClassifier [3/3]")
    assert not _progress_lines(captured.out)

    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_progress_with_parallel_jobs(capsys):
    argv = ["compare", "--dataset", "iris", "--max-iter", "5"]
    argv += ["--hidden", "4,8", "--lr", "1e-2,1e-1", "--cv", "2", "--n-jobs", "2"]
    assert main(argv) == 0
    progress = _progress_lines(capsys.readouterr().err)
    assert len(progress) == 8
    assert [line.split("]")[0][-3:] for line in progress[:4]] == [
        "1/4",
        "2/4",
        "3/4",
        "4/4",
    ]


# -------------------------------------------------------------- CSV input


def test_csv_classification_run(tmp_path, capsys):
    path = _iris_csv(tmp_path / "iris.csv")
    argv = ["compare", "--csv", path, "--target", "species", "--max-iter", "30"]
    assert main([*argv, "-q"]) == 0
    models, rows = _parse_table(capsys.readouterr().out)
    assert models == ["BackpropClassifier", "MLPClassifier"]
    for cell in rows["test accuracy"]:
        assert 0.5 <= float(cell) <= 1

    assert main([*argv, "--json", "-q"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["task"] == "classification"
    assert result["classes"] == ["setosa", "versicolor", "virginica"]
    assert result["n_samples"] == 150 and result["n_features"] == 4


def test_csv_regression_run_and_task_override(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(60, 3))
    y = X @ [1.0, 2.0, -1.0] + 0.1 * rng.normal(size=60)
    path = _write_csv(tmp_path / "reg.csv", ["a", "b", "c", "y"], np.c_[X, y])
    assert main(["--csv", path, "--target", "y", *FAST, "--json", "-q"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["task"] == "regression" and result["metric"] == "r2"
    assert result["classes"] is None
    assert [m["name"] for m in result["models"]] == [
        "BackpropRegressor",
        "MLPRegressor",
    ]

    # integer labels are guessed as classes; --task regression overrides
    labels = _iris_csv(tmp_path / "labels.csv", numeric_labels=True)
    argv = ["--csv", labels, "--target", "species", *FAST, "--json", "-q"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "classification"
    assert main([*argv, "--task", "regression"]) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "regression"


def test_read_csv(tmp_path):
    path = _write_csv(
        tmp_path / "d.csv",
        [" x1", "target ", "x2"],
        [["1", "a", "2.5"], ["", "", ""], ["3", "b", "-1e3"]],  # a blank row
    )
    data = read_csv(path, "target")
    assert data.feature_names == ["x1", "x2"]
    np.testing.assert_array_equal(data.X, [[1.0, 2.5], [3.0, -1000.0]])
    assert data.y.tolist() == ["a", "b"]
    assert data.task == "classification"

    semicolons = tmp_path / "s.csv"
    semicolons.write_text("a;b;y\n1;2;0.5\n3;4;1.5\n")
    data = read_csv(str(semicolons), "y", delimiter=";")
    assert data.task == "regression"
    assert data.y.tolist() == [0.5, 1.5]


def test_infer_task():
    assert infer_task(["a", "b", "a"]) == "classification"
    assert infer_task(["0", "1", "1", "0"]) == "classification"
    assert infer_task(["0.5", "1", "2"]) == "regression"
    # integers, but about as many distinct values as rows: a quantity
    assert infer_task([str(v) for v in range(40)]) == "regression"
    # integers with too many distinct values
    assert infer_task([str(v % 30) for v in range(300)]) == "regression"
    assert infer_task([str(v % 5) for v in range(300)]) == "classification"


def test_hidden_sizes_parsing():
    assert _hidden_sizes("16,64,32x16") == [(16,), (64,), (32, 16)]
    assert _hidden_sizes(" 8 , 4X4 ") == [(8,), (4, 4)]


# ------------------------------------------------------------- bad input


def _bad_inputs(tmp):
    """(id, argv) of runs that must fail with one error line and status 2."""
    iris = _iris_csv(tmp / "iris.csv")
    empty = tmp / "empty.csv"
    empty.write_text("")
    blank = tmp / "blank.csv"
    blank.write_text("\n\n  \n")
    header_only = _write_csv(tmp / "header.csv", ["a", "b", "y"], [])
    text_feature = _write_csv(
        tmp / "text.csv", ["a", "b", "y"], [[1, 2, 0], [3, "high", 1]] * 5
    )
    nan_feature = _write_csv(
        tmp / "nan.csv", ["a", "b", "y"], [[1, 2, 0], [3, "nan", 1]] * 5
    )
    empty_cell = _write_csv(
        tmp / "cell.csv", ["a", "b", "y"], [[1, 2, 0], [3, "", 1]] * 5
    )
    inf_feature = _write_csv(
        tmp / "inf.csv", ["a", "b", "y"], [[1, 2, 0], [3, "inf", 1]] * 5
    )
    missing_target = _write_csv(
        tmp / "target.csv", ["a", "b", "y"], [[1, 2, 0], [3, 4, "NA"]] * 5
    )
    ragged = tmp / "ragged.csv"
    ragged.write_text("a,b,y\n1,2,0\n3,4\n")
    single = _write_csv(
        tmp / "single.csv", ["a", "b", "y"], [[i, i * i, "spam"] for i in range(30)]
    )
    lonely = _write_csv(
        tmp / "lonely.csv",
        ["a", "b", "y"],
        [[i, i, "a" if i % 2 else "b"] for i in range(30)] + [[0, 0, "c"]],
    )
    tiny = _write_csv(tmp / "tiny.csv", ["a", "y"], [[1, 1.5], [2, 2.5], [3, 0.5]])
    binary = tmp / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage\x00")
    text_target = _write_csv(
        tmp / "labels.csv", ["a", "y"], [[i, "x" if i % 2 else "y"] for i in range(20)]
    )
    latin1 = tmp / "latin1.csv"
    latin1.write_bytes("a,b,y\n1,2,café\n3,4,thé\n".encode("latin-1"))
    utf16 = tmp / "utf16.csv"
    utf16.write_text("a,b,y\n1,2,3\n4,5,6\n", encoding="utf-16")
    constant = _write_csv(
        tmp / "constant.csv", ["a", "b", "y"], [[i, i * i, 7.5] for i in range(30)]
    )
    constant_int = _write_csv(
        tmp / "constant_int.csv", ["a", "b", "y"], [[i, -i, 3] for i in range(30)]
    )
    regression = _write_csv(
        tmp / "reg.csv", ["a", "b", "y"], [[i, i % 7, i * 0.5] for i in range(40)]
    )
    many_classes = _write_csv(
        tmp / "many.csv", ["a", "b", "y"], [[i, -i, f"c{i % 20}"] for i in range(40)]
    )
    large = tmp / "large.csv"
    large.write_text("a,b,y\n" + "1.25,2.5,3.75\n" * 80_000)  # 1.1 MB
    nul = tmp / "nul.csv"
    nul.write_bytes(b"a,b,y\n1,2,3\n4,\x00,6\n")
    comma = tmp / "comma.csv"
    comma.write_text("a;b;y\n" + "".join(f"{i};0,{i + 10};{i}\n" for i in range(30)))
    comma_target = tmp / "comma_target.csv"
    comma_target.write_text(
        "a;b;y\n" + "".join(f"{i};{i % 3};{i},5\n" for i in range(30))
    )
    dots = tmp / "dots.csv"
    dots.write_text("a;b;y\n" + "".join(f"{i};{i}.5;{i}\n" for i in range(30)))
    text_missing = _write_csv(
        tmp / "text_missing.csv",
        ["a", "colour", "y"],
        [[i, "red" if i % 2 else "NA", i % 2] for i in range(30)],
    )
    return [
        ("missing file", ["--csv", str(tmp / "nope.csv"), "--target", "y"]),
        ("directory", ["--csv", str(tmp), "--target", "y"]),
        ("empty file", ["--csv", str(empty), "--target", "y"]),
        ("blank file", ["--csv", str(blank), "--target", "y"]),
        ("header only", ["--csv", header_only, "--target", "y"]),
        ("missing target column", ["--csv", iris, "--target", "petal colour"]),
        ("non-numeric feature", ["--csv", text_feature, "--target", "y"]),
        ("NaN feature", ["--csv", nan_feature, "--target", "y"]),
        ("empty cell", ["--csv", empty_cell, "--target", "y"]),
        ("infinite feature", ["--csv", inf_feature, "--target", "y"]),
        ("missing target value", ["--csv", missing_target, "--target", "y"]),
        ("ragged row", ["--csv", str(ragged), "--target", "y"]),
        ("single class", ["--csv", single, "--target", "y"]),
        ("class with one row", ["--csv", lonely, "--target", "y"]),
        ("too few rows", ["--csv", tiny, "--target", "y"]),
        ("not a text file", ["--csv", str(binary), "--target", "y"]),
        (
            "text target as regression",
            ["--csv", text_target, "--target", "y", "--task", "regression"],
        ),
        ("csv without target", ["--csv", iris]),
        ("target without csv", ["--target", "y"]),
        ("task without csv", ["--task", "regression"]),
        ("unknown dataset", ["--dataset", "mnist"]),
        ("csv and dataset", ["--csv", iris, "--target", "y", "--dataset", "iris"]),
        ("bad hidden", ["--hidden", "16,abc"]),
        ("zero hidden", ["--hidden", "0"]),
        ("bad lr", ["--lr", "-0.1"]),
        ("bad cv", ["--cv", "1"]),
        ("bad test size", ["--test-size", "1.5"]),
        ("zero jobs", ["--n-jobs", "0"]),
        ("unknown option", ["--frobnicate"]),
        ("plot folder", ["--plot", str(tmp / "no" / "such" / "dir.png")]),
        ("latin-1 file", ["--csv", str(latin1), "--target", "y"]),
        ("utf-16 file", ["--csv", str(utf16), "--target", "y"]),
        ("cv above rows", ["--csv", iris, "--target", "species", "--cv", "500"]),
        ("two rows per R2 fold", ["--csv", regression, "--target", "y", "--cv", "16"]),
        ("text lr", ["--lr", "abc"]),
        ("negative lr", ["--lr", "-1"]),
        ("empty lr item", ["--lr", "1e-3,,1e-2"]),
        ("infinite lr", ["--lr", "inf"]),
        ("empty hidden item", ["--hidden", "16,"]),
        ("negative hidden", ["--hidden", "16x-2"]),
        ("constant target", ["--csv", constant, "--target", "y"]),
        (
            "constant regression target",
            ["--csv", constant_int, "--target", "y", "--task", "regression"],
        ),
        ("classes above test rows", ["--csv", many_classes, "--target", "y"]),
        (
            "cv above class rows",
            ["--csv", many_classes, "--target", "y", "--test-size", "0.5"],
        ),
        ("long delimiter", ["--csv", regression, "--target", "y", "--delimiter", ";;"]),
        ("empty delimiter", ["--csv", regression, "--target", "y", "--delimiter", ""]),
        ("wrong delimiter", ["--csv", regression, "--target", "y", "--delimiter", ";"]),
        ("huge seed", ["--seed", str(2**40)]),
        ("negative seed", ["--seed", "-1"]),
        ("zero max-iter", ["--max-iter", "0"]),
        ("plot into a directory", ["--plot", str(tmp)]),
        ("plot format", ["--plot", str(tmp / "loss.xyz")]),
        ("character device", ["--csv", os.devnull, "--target", "y"]),
        (
            "too large file",
            ["--csv", str(large), "--target", "y", "--max-file-size", "1"],
        ),
        ("NUL byte", ["--csv", str(nul), "--target", "y"]),
        ("decimal comma", ["--csv", str(comma), "--target", "y"]),
        ("decimal comma target", ["--csv", str(comma_target), "--target", "y"]),
        (
            "dot with --decimal ,",
            ["--csv", str(dots), "--target", "y", "--decimal", ","],
        ),
        (
            "decimal is the delimiter",
            [
                "--csv",
                str(comma),
                "--target",
                "y",
                "--decimal",
                ",",
                "--delimiter",
                ",",
            ],
        ),
        ("missing text value", ["--csv", text_missing, "--target", "y"]),
        ("bad decimal", ["--csv", str(comma), "--target", "y", "--decimal", ";"]),
        ("zero max-file-size", ["--max-file-size", "0"]),
        (
            "decimal comma in a comma file",
            ["--csv", iris, "--target", "species", "--decimal", ","],
        ),
    ]


@pytest.fixture
def bad_inputs(tmp_path):
    return dict(_bad_inputs(tmp_path))


BAD_CASES = [
    "missing file",
    "directory",
    "empty file",
    "blank file",
    "header only",
    "missing target column",
    "non-numeric feature",
    "NaN feature",
    "empty cell",
    "infinite feature",
    "missing target value",
    "ragged row",
    "single class",
    "class with one row",
    "too few rows",
    "not a text file",
    "text target as regression",
    "csv without target",
    "target without csv",
    "task without csv",
    "unknown dataset",
    "csv and dataset",
    "bad hidden",
    "zero hidden",
    "bad lr",
    "bad cv",
    "bad test size",
    "zero jobs",
    "unknown option",
    "plot folder",
    "latin-1 file",
    "utf-16 file",
    "cv above rows",
    "two rows per R2 fold",
    "text lr",
    "negative lr",
    "empty lr item",
    "infinite lr",
    "empty hidden item",
    "negative hidden",
    "constant target",
    "constant regression target",
    "classes above test rows",
    "cv above class rows",
    "long delimiter",
    "empty delimiter",
    "wrong delimiter",
    "huge seed",
    "negative seed",
    "zero max-iter",
    "plot into a directory",
    "plot format",
    "character device",
    "too large file",
    "NUL byte",
    "decimal comma",
    "decimal comma target",
    "dot with --decimal ,",
    "decimal is the delimiter",
    "missing text value",
    "bad decimal",
    "zero max-file-size",
    "decimal comma in a comma file",
]

# what the error line must mention, per case
EXPECTED = {
    "missing file": "no such file",
    "directory": "directory",
    "empty file": "is empty",
    "blank file": "is empty",
    "header only": "no data rows",
    "missing target column": "no column 'petal colour'",
    "non-numeric feature": "non-numeric value 'high' in feature column 'b', whose "
    "other values are numbers",
    "NaN feature": "missing value ('nan')",
    "empty cell": "missing value ('')",
    "infinite feature": "infinite value",
    "missing target value": "missing target value",
    "ragged row": "line 3",
    "single class": "single class ('spam')",
    "class with one row": "class 'c' has a single row",
    "too few rows": "too few",
    "not a text file": "UTF-8",
    "text target as regression": "non-numeric target value",
    "csv without target": "--target",
    "target without csv": "--csv",
    "task without csv": "--csv",
    "unknown dataset": "invalid choice: 'mnist'",
    "csv and dataset": "not allowed with",
    "bad hidden": "--hidden",
    "zero hidden": "--hidden",
    "bad lr": "--lr",
    "bad cv": "--cv",
    "bad test size": "--test-size",
    "zero jobs": "--n-jobs",
    "unknown option": "--frobnicate",
    "plot folder": "no such folder",
    "latin-1 file": "UTF-8",
    "utf-16 file": "UTF-8",
    "cv above rows": "too few for a 500-fold",
    "two rows per R2 fold": "too few for a 16-fold",
    "text lr": "--lr",
    "negative lr": "--lr",
    "empty lr item": "--lr",
    "infinite lr": "--lr",
    "empty hidden item": "--hidden",
    "negative hidden": "--hidden",
    "constant target": "the target is constant (every value is 7.5)",
    "constant regression target": "the target is constant",
    "classes above test rows": "20 classes",
    "cv above class rows": "at least 2 training rows, the largest has 1",
    "long delimiter": "--delimiter",
    "empty delimiter": "--delimiter",
    "wrong delimiter": "right --delimiter",
    "huge seed": "--seed",
    "negative seed": "--seed",
    "zero max-iter": "--max-iter",
    "plot into a directory": "is a directory",
    "plot format": "unsupported image format 'xyz'",
    "character device": "it is a character device, not a regular file",
    "too large file": "larger than 1 MB, the limit of --max-file-size",
    "NUL byte": "line 3: NUL byte",
    "decimal comma": "line 2: column 'b' holds numbers written with a decimal comma "
    "('0,10'); pass --decimal ','",
    "decimal comma target": "line 2: column 'y' holds numbers written with a decimal "
    "comma ('0,5')",
    "dot with --decimal ,": "line 2: column 'b' holds numbers written with a '.' "
    "('0.5'), which --decimal ',' does not read",
    "decimal is the delimiter": "--decimal and --delimiter cannot both be ','",
    "missing text value": "line 2: missing value ('NA') in column 'colour'",
    "bad decimal": "--decimal",
    "zero max-file-size": "--max-file-size",
    "decimal comma in a comma file": "with --decimal ',' the delimiter cannot be ','",
}


def _exit_status(argv):
    try:
        return main(argv)
    except SystemExit as exc:  # argparse errors
        return exc.code


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_one_error_line(case, bad_inputs, capsys):
    status = _exit_status(["compare", *FAST, *bad_inputs[case]])
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("skbackprop: error: ")
    assert EXPECTED[case] in lines[0]
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_bad_input_cases_are_all_checked(tmp_path):
    assert [case for case, _ in _bad_inputs(tmp_path)] == BAD_CASES
    assert set(EXPECTED) == set(BAD_CASES)


@pytest.mark.parametrize(
    "args",
    [["--dataset", "nope"], ["--csv", "does-not-exist.csv", "--target", "y"]],
    ids=["unknown dataset", "missing file"],
)
def test_bad_input_in_a_subprocess(args):
    proc = _run_cli("compare", *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("skbackprop: error: ")
    assert "Traceback" not in proc.stderr


def test_bad_plot_path_fails_before_any_training(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    status = _exit_status(["--dataset", "iris", *FAST, "--plot", str(tmp_path)])
    captured = capsys.readouterr()
    assert status == 2
    assert not _progress_lines(captured.err)  # no grid candidate was run
    assert len(captured.err.splitlines()) == 1


def test_tab_delimiter(tmp_path, capsys):
    path = tmp_path / "tabs.tsv"
    rows = [f"{i}\t{i % 5}\t{i * 0.5 + i % 5}" for i in range(40)]
    path.write_text("a\tb\ty\n" + "\n".join(rows) + "\n")
    argv = ["--csv", str(path), "--target", "y", *FAST, "--json", "-q"]
    assert main([*argv, "--delimiter", "\\t"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_features"] == 2 and result["task"] == "regression"
    assert main([*argv, "--delimiter", "\t"]) == 0  # a real tab character
    assert json.loads(capsys.readouterr().out)["n_samples"] == 40


def test_training_that_diverges_is_one_error_line(tmp_path, capsys):
    # a target of 1e308 overflows the squared error at once
    path = _write_csv(
        tmp_path / "huge.csv",
        ["a", "b", "y"],
        [[i, i % 3, 1e308 if i == 0 else i * 0.5] for i in range(30)],
    )
    status = _exit_status(["--csv", path, "--target", "y", *FAST])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if status == 0:  # the estimators kept finite weights
        _parse_table(captured.out)
        return
    assert status == 2
    errors = [line for line in captured.err.splitlines() if "error:" in line]
    assert len(errors) == 1 and captured.err.endswith(errors[0] + "\n")
    assert errors[0].startswith("skbackprop: error: BackpropRegressor: ")


def test_read_csv_raises_compare_error(tmp_path):
    with pytest.raises(CompareError, match="no such file"):
        read_csv(str(tmp_path / "missing.csv"), "y")


# ------------------------------------------------------------------ --plot


def test_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "loss.png"
    assert main(["compare", "--dataset", "iris", *FAST, "-q", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 1000
    _parse_table(capsys.readouterr().out)  # the table is printed as well


def test_plot_path_without_extension_is_a_png_at_that_path(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "loss"
    assert main(["compare", "--dataset", "iris", *FAST, "-q", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "loss.png").exists()
    capsys.readouterr()


def test_plot_without_matplotlib_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    status = main(["--dataset", "iris", *FAST, "--plot", str(tmp_path / "x.png")])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.strip().startswith("skbackprop: error: --plot needs matplotlib")
    assert "skbackprop[plot]" in captured.err
    assert len(captured.err.splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


# ------------------------------------------------------------ documentation


def _compare_options():
    from skbackprop._compare import build_parser

    parser = build_parser()
    compare = parser._subparsers._group_actions[0].choices["compare"]
    return {
        option
        for action in compare._actions
        if action.help != "==SUPPRESS=="
        for option in action.option_strings
        if option.startswith("--")
    }


def test_readme_documents_the_compare_options():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The `compare` command", 1)[1].split("\n## ", 1)[0]
    mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", section))
    options = _compare_options()
    assert mentioned <= options, sorted(mentioned - options)  # no stale flag
    assert options - {"--help"} <= mentioned, sorted(options - mentioned)
    for name in DATASETS:
        assert name in section


# ------------------------------------------------------------- interrupts


def _interrupting(base, action, after=3):
    """A factory of ``base`` estimators whose fit gets ``action()`` at an epoch.

    Stands in for an estimator class in ``estimator_classes`` (the CLI only
    calls it and reads ``__name__``); the callback survives cloning.
    """

    class Interrupt:
        def setup(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            pass

        def on_fit_task_end(self, estimator, context, **kwargs):
            if context.max_subtasks == 0 and context.task_id + 1 == after:
                action()
            return False

    def factory(**params):
        return base(**params).set_callbacks(Interrupt())

    factory.__name__ = base.__name__
    return factory


def _sigint():
    signal.raise_signal(signal.SIGINT)


def _keyboard_interrupt():
    # what the estimator sees when SIGINT reaches it with Python's own
    # handler (a thread, a worker process): it keeps the weights, warns and
    # returns -- the CLI must still stop
    raise KeyboardInterrupt


@pytest.mark.skipif(not hasattr(signal, "raise_signal"), reason="needs SIGINT")
@pytest.mark.parametrize("action", [_sigint, _keyboard_interrupt])
def test_interrupt_inside_a_fit_stops_the_whole_run(action, monkeypatch, capsys):
    pytest.importorskip("sklearn.callback")
    import skbackprop._compare as compare
    from skbackprop import BackpropClassifier

    factory = _interrupting(BackpropClassifier, action)
    monkeypatch.setattr(
        compare, "estimator_classes", lambda task: (factory, compare.MLPClassifier)
    )
    before = signal.getsignal(signal.SIGINT)
    argv = ["--dataset", "iris", "--max-iter", "50", "--hidden", "4", "--cv", "2"]
    assert main([*argv, "--lr", "1e-2,1e-1", "-q"]) == 130
    captured = capsys.readouterr()
    assert captured.out == ""  # no table
    assert captured.err == "skbackprop: interrupted\n"
    assert signal.getsignal(signal.SIGINT) is before  # handler restored

    assert main([*argv, "--lr", "1e-2", "--json"]) == 130
    captured = capsys.readouterr()
    assert captured.out == ""  # no JSON
    lines = captured.err.splitlines()
    assert lines[-1] == "skbackprop: interrupted"
    assert not _progress_lines(captured.err)  # the first candidate never ended
    assert "warning" not in captured.err


def _wait_for_line(stream, timeout):
    """Return the first line of ``stream`` (a pipe), or None after ``timeout`` s."""
    lines = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()))
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else None


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
@pytest.mark.parametrize("n_jobs", ["1", "2"])
def test_ctrl_c_in_a_subprocess_exits_130_without_a_table(n_jobs):
    # a long run: digits, a slow learning rate and many epochs (minutes)
    argv = ["--dataset", "digits", "--hidden", "64", "--lr", "1e-4", "--cv", "2"]
    argv += ["--n-jobs", n_jobs]
    proc = subprocess.Popen(
        [sys.executable, "-m", "skbackprop", *argv, "--max-iter", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    try:
        first = _wait_for_line(proc.stderr, timeout=120)
        assert first and first.startswith("skbackprop: digits: classification")
        time.sleep(1.0)  # the search is under way, inside a fit
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert time.monotonic() - sent < 30  # it stopped, it did not finish
    assert proc.returncode == 130
    assert out == ""
    # after the header, nothing but (possibly) a finished candidate and one line
    rest = [line for line in err.splitlines() if not _progress_lines(line)]
    assert rest == ["skbackprop: interrupted"], err
    assert "Traceback" not in err and "warning" not in err


def test_abort_on_interrupt_respects_an_ignored_sigint():
    from skbackprop._compare import abort_on_interrupt

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with abort_on_interrupt():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    with abort_on_interrupt():
        assert signal.getsignal(signal.SIGINT) is not previous
    assert signal.getsignal(signal.SIGINT) is previous


# ------------------------------------------------------ categorical features


def _categorical_csv(path, n=120):
    """Two numeric and two text columns; the class follows colour and x."""
    rng = np.random.default_rng(0)
    colours = ["red", "green", "blue"]
    rows = []
    for i in range(n):
        colour, size, x = colours[i % 3], ["S", "XL"][i % 2], rng.uniform()
        label = "yes" if (colour == "red") != (x > 0.5) else "no"
        rows.append([x, colour, rng.normal(), size, label])
    return _write_csv(path, ["x", "colour", "noise", "size", "label"], rows)


def test_categorical_columns_are_one_hot_encoded(tmp_path, capsys):
    path = _categorical_csv(tmp_path / "cat.csv")
    data = read_csv(path, "label")
    assert data.categorical == [1, 3] and data.numeric == [0, 2]
    assert data.X.dtype == object and data.n_one_hot_columns == 5
    assert data.X[0, 1] == "red" and isinstance(data.X[0, 0], float)

    argv = ["--csv", path, "--target", "label", "--max-iter", "200"]
    assert main([*argv, "--hidden", "16", "--lr", "1e-2", "--json", "-q"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_features"] == 4
    assert result["categorical_features"] == ["colour", "size"]
    assert result["n_one_hot_columns"] == 5
    for model in result["models"]:
        assert model["test_score"] >= 0.8  # the colour is used

    assert main([*argv, "--hidden", "16", "--lr", "1e-2", "-q"]) == 0
    table = capsys.readouterr().out
    assert "4 features (2 categorical)" in table.splitlines()[0]
    assert (
        "preprocessing: 2 numeric features min-max scaled, 2 categorical "
        "features one-hot encoded into 5 columns"
    ) in table


@pytest.mark.parametrize("scale_target", [False, True])
def test_both_pipelines_encode_categories_and_keep_the_grid_names(
    tmp_path, scale_target
):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder

    from skbackprop._compare import build_pipeline, estimator_classes, param_grid

    data = read_csv(_categorical_csv(tmp_path / "cat.csv"), "noise")
    assert data.task == "regression"
    for cls in estimator_classes("regression"):
        pipe, prefix = build_pipeline(cls(max_iter=5), data, scale_target)
        inner = pipe.regressor if scale_target else pipe
        assert [name for name, _ in inner.steps] == ["scale", "model"]
        scale = inner.named_steps["scale"]
        assert isinstance(scale, ColumnTransformer)
        (_, scaler, numeric), (_, encoder, categorical) = scale.transformers
        # features: x, colour, size and label (text) besides the target
        assert isinstance(scaler, MinMaxScaler) and numeric == [0]
        assert isinstance(encoder, OneHotEncoder) and categorical == [1, 2, 3]
        assert encoder.handle_unknown == "ignore"
        grid = param_grid([(3,)], [0.01], prefix)
        pipe.set_params(**{key: values[0] for key, values in grid.items()})
        assert inner.named_steps["model"].hidden_layer_sizes == (3,)


def test_categories_unseen_in_training_are_ignored(tmp_path, capsys):
    rows = [[i * 0.1, "a" if i % 2 else "b", i % 2] for i in range(40)]
    rows.append([2.0, "rare", 1])  # in one split only
    path = _write_csv(tmp_path / "rare.csv", ["x", "c", "y"], rows)
    assert main(["--csv", path, "--target", "y", *FAST, "--json", "-q"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["categorical_features"] == ["c"]
    assert result["n_one_hot_columns"] == 3


@pytest.mark.parametrize(
    "marker", ["", "NA", "n/a", "N/A", "nan", "NaN", "null", "NULL", "?", "None"]
)
def test_missing_markers_in_a_numeric_column_are_missing_values(
    marker, tmp_path, capsys
):
    rows = [[i, i * 2, i % 2] for i in range(20)]
    rows[6][1] = marker
    path = _write_csv(tmp_path / "na.csv", ["a", "b", "y"], rows)
    status = _exit_status(["--csv", path, "--target", "y", *FAST])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert captured.err == (
        f"skbackprop: error: {path}, line 8: missing value ({marker!r}) in column "
        "'b'; drop or fill in incomplete rows first\n"
    )


# ------------------------------------------------- delimiters and decimals


def test_sniff_delimiter():
    from skbackprop._compare import sniff_delimiter

    assert sniff_delimiter("a,b,y\n1,2,3\n") == ","
    assert sniff_delimiter("a;b;y\n0,5;1,5;2\n") == ";"
    assert sniff_delimiter("a\tb\ty\n1,5\t2\t3\n") == "\t"
    assert sniff_delimiter("a|b|y\n1|2|3\n") == "|"
    assert sniff_delimiter('"a;1",b,y\n"x;y",2,3\n') == ","  # quoted delimiters
    assert sniff_delimiter("just one column\n1\n") == ","
    assert sniff_delimiter("a;b\n1;2\n", decimal=",") == ";"
    assert sniff_delimiter("x\n1,5\n", decimal=",") == ";"  # never the decimal


def test_decimal_comma_and_semicolons(tmp_path, capsys):
    path = tmp_path / "comma.csv"
    rows = [f"{i};0,{1257 + i};{i % 4},5;{i % 2}" for i in range(40)]
    path.write_text("x1;x2;x3;y\n" + "\n".join(rows) + "\n")
    status = _exit_status(["--csv", str(path), "--target", "y", *FAST])
    err = capsys.readouterr().err
    assert status == 2
    assert "decimal comma ('0,1257'); pass --decimal ','" in err
    assert "categorical" not in err

    data = read_csv(str(path), "y", decimal=",")  # the delimiter is detected
    np.testing.assert_array_equal(data.X[:2], [[0, 0.1257, 0.5], [1, 0.1258, 1.5]])
    assert data.categorical == [] and data.task == "classification"
    argv = ["--csv", str(path), "--target", "y", "--decimal", ",", *FAST, "-q"]
    assert main(argv) == 0
    title = capsys.readouterr().out.splitlines()[0]
    assert "delimiter ';', decimal ','" in title


# -------------------------------------------------------- scaled targets


def _linnerud(*extra, capsys):
    argv = ["--dataset", "linnerud", "--hidden", "16", "--lr", "1e-2", "--json"]
    assert main([*argv, "-q", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_regression_targets_are_scaled_by_default(capsys):
    # linnerud's targets are in the hundreds: unscaled, both models stay far
    # off (test R² -4.33 for both with the default grid, -10.5 here); scaled,
    # they get close to the (poor) best these 20 rows allow
    scaled = _linnerud(capsys=capsys)
    raw = _linnerud("--no-scale-target", capsys=capsys)
    assert scaled["scale_target"] is True and raw["scale_target"] is False
    for with_scaling, without in zip(scaled["models"], raw["models"]):
        assert with_scaling["test_score"] > without["test_score"] + 1
        assert with_scaling["cv_mean"] > without["cv_mean"] + 1


def test_the_table_says_whether_the_target_was_scaled(capsys):
    argv = ["--dataset", "friedman1", *FAST, "-q"]
    assert main(argv) == 0
    assert "target min-max scaled to [0, 1] for training" in capsys.readouterr().out
    assert main([*argv, "--no-scale-target"]) == 0
    assert "target not scaled (--no-scale-target)" in capsys.readouterr().out
    assert main(["--dataset", "iris", *FAST, "-q"]) == 0
    assert "target" not in capsys.readouterr().out.splitlines()[2]


def test_best_models_scale_the_target_of_regressions_only():
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline

    from skbackprop._compare import load_dataset, run_compare

    grid = ([(4,)], [1e-2])
    options = {"cv": 2, "max_iter": 5, "progress": False}
    _, best = run_compare(load_dataset("friedman1"), *grid, **options)
    assert all(isinstance(m, TransformedTargetRegressor) for m in best)
    _, best = run_compare(
        load_dataset("friedman1"), *grid, scale_target=False, **options
    )
    assert all(isinstance(m, Pipeline) for m in best)
    _, best = run_compare(load_dataset("iris"), *grid, **options)
    assert all(isinstance(m, Pipeline) for m in best)


# -------------------------------------------------------------- labels


@pytest.mark.parametrize(
    "labels, expected",
    [
        (["9007199254740992", "9007199254740993", "7"], [7, 2**53, 2**53 + 1]),
        (["inf", "-inf"], ["-inf", "inf"]),
        (["1e20", "2e20"], ["1e20", "2e20"]),
        (["1.5", "2.5", "1.50"], ["1.5", "1.50", "2.5"]),
        ([str(2**64), str(2**64 + 1)], [str(2**64), str(2**64 + 1)]),
    ],
    ids=["beyond 2**53", "infinities", "1e20", "text of floats", "beyond int64"],
)
def test_class_labels_are_read_exactly(labels, expected, tmp_path, capsys):
    rows = [[i, i % 5, labels[i % len(labels)]] for i in range(12 * len(labels))]
    path = _write_csv(tmp_path / "labels.csv", ["a", "b", "y"], rows)
    argv = ["--csv", path, "--target", "y", "--task", "classification"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main([*argv, *FAST, "--json", "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # no RuntimeWarning either
    assert json.loads(captured.out)["classes"] == expected


def test_class_labels_and_infer_task_are_exact():
    from skbackprop._compare import class_labels

    labels = class_labels(["9007199254740993", "9007199254740992", "+5", "05"])
    assert labels.dtype == np.int64
    assert labels.tolist() == [2**53 + 1, 2**53, 5, 5]
    assert class_labels([str(-(2**63) - 1), "0"]).tolist() == [str(-(2**63) - 1), "0"]
    assert class_labels(["a", "1"]).tolist() == ["a", "1"]
    # two distinct integers that one float cannot tell apart
    assert infer_task(["9007199254740992", "9007199254740993"] * 3) == "classification"
    assert infer_task(["0,5", "1,5", "2"], decimal=",") == "regression"


# ------------------------------------------------------------ odd files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_not_waited_for(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    proc = _run_cli("--csv", str(fifo), "--target", "y", timeout=60)  # no writer
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == (
        f"skbackprop: error: cannot read {fifo}: it is a named pipe (FIFO), not a "
        "regular file (save the data to a file first)\n"
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_device_is_refused_not_read():
    proc = _run_cli("--csv", "/dev/zero", "--target", "y", timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("skbackprop: error: cannot read /dev/zero: it is a")
    assert len(proc.stderr.splitlines()) == 1


def test_file_size_limit(tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text(
        "a,b,y\n" + "".join(f"{i},{i % 7},{i * 0.5}\n" for i in range(9000))
    )
    assert 100_000 < path.stat().st_size < 1_000_000
    data = read_csv(str(path), "y", max_bytes=1_000_000)
    assert data.X.shape == (9000, 2)
    with pytest.raises(CompareError, match="larger than 0.1 MB"):
        read_csv(str(path), "y", max_bytes=100_000)


# ------------------------------------------------------------ progress bars


def test_progress_display_choice(monkeypatch):
    from skbackprop._compare import _BarProgress, _LineProgress, make_progress

    class Terminal:
        def isatty(self):
            return True

    assert type(make_progress(stream=io.StringIO())) is _LineProgress
    assert not make_progress(quiet=True, stream=Terminal()).enabled
    if importlib.util.find_spec("rich") is not None:
        assert isinstance(make_progress(stream=Terminal()), _BarProgress)
    monkeypatch.setitem(sys.modules, "rich", None)  # rich not installed
    progress = make_progress(stream=Terminal())
    assert type(progress) is _LineProgress and progress.enabled


def test_epoch_bar_follows_the_epochs_of_a_fit():
    pytest.importorskip("rich")
    pytest.importorskip("sklearn.callback")
    from rich.console import Console
    from sklearn.datasets import make_regression

    from skbackprop import BackpropRegressor
    from skbackprop._compare import _BarProgress

    bar = _BarProgress(console=Console(file=io.StringIO()))
    reg = BackpropRegressor(hidden_layer_sizes=(3,), max_iter=7, tol=0)
    assert bar.attach_epoch_bar(reg, "BackpropRegressor")
    X, y = make_regression(n_samples=30, n_features=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    task = bar.progress.tasks[bar._epochs]
    assert task.total == 7 and task.completed == 7
    # a copy sent to a worker process does nothing
    (callback,) = reg._skl_callbacks
    assert pickle.loads(pickle.dumps(callback)).progress is None
    assert bar.timed_with_callbacks == ["BackpropRegressor"]


def test_run_with_progress_bars_keeps_stdout_clean(capsys):
    pytest.importorskip("rich")
    from rich.console import Console

    from skbackprop._compare import (
        _BarProgress,
        format_table,
        load_dataset,
        run_compare,
    )

    screen = io.StringIO()
    with _BarProgress(console=Console(file=screen, width=200)) as bar:
        result, _ = run_compare(
            load_dataset("iris"), [(4,)], [1e-2], cv=2, max_iter=20, progress=bar
        )
    assert capsys.readouterr().out == ""
    assert "skbackprop: BackpropClassifier [1/1]" in screen.getvalue()
    assert "skbackprop: MLPClassifier [1/1]" in screen.getvalue()
    if importlib.util.find_spec("sklearn.callback") is not None:
        assert result["progress_callbacks"] == ["BackpropClassifier"]
        assert "include the progress bar's per-epoch callbacks" in format_table(result)


def _run_on_a_terminal(*args, timeout=120):
    """Run the CLI with stderr on a pseudo-terminal; return (proc, out, screen)."""
    master, slave = os.openpty()
    env = {**_env(), "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "skbackprop", *args],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        cwd=ROOT,
    )
    os.close(slave)
    chunks = []

    def read_screen():
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read_screen, daemon=True)
    reader.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
        reader.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return proc, out.decode(), b"".join(chunks).decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bars_on_a_terminal():
    pytest.importorskip("rich")
    pytest.importorskip("sklearn.callback")
    argv = ["--dataset", "iris", "--max-iter", "100", "--hidden", "4"]
    argv += ["--lr", "1e-2", "--cv", "2"]
    proc, out, screen = _run_on_a_terminal(*argv)
    assert proc.returncode == 0, screen
    models, rows = _parse_table(out)  # stdout: the table and nothing else
    assert "\x1b" not in out and "epochs of the current fit" not in out
    assert "BackpropClassifier: epochs of the current fit" in screen
    assert "BackpropClassifier: grid candidates" in screen
    assert "skbackprop: MLPClassifier [1/1]" in screen

    proc, out, screen = _run_on_a_terminal(*argv, "--quiet")
    assert proc.returncode == 0
    _parse_table(out)
    assert screen == ""


def test_a_closed_output_pipe_ends_the_run_quietly():
    """``skbackprop compare | head -1``: the reader goes away before the
    table is written; no error line, no traceback, status 141."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "skbackprop", "--dataset", "iris", "--max-iter", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=ROOT,
    )
    proc.stdout.close()  # the reader is gone before anything is written
    try:
        _, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 141, stderr
    assert b"error" not in stderr and b"Traceback" not in stderr
