"""Tests of the ``skbackprop compare`` command (``python -m skbackprop``)."""

import csv
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris

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
]

# what the error line must mention, per case
EXPECTED = {
    "missing file": "no such file",
    "directory": "directory",
    "empty file": "is empty",
    "blank file": "is empty",
    "header only": "no data rows",
    "missing target column": "no column 'petal colour'",
    "non-numeric feature": "non-numeric value 'high'",
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
