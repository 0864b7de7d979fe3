"""The accuracy harness end to end: a small generated scenario, ingested through the real ingest
commands into a fresh database, every complaint diagnosed, scored against truth.csv."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from diagnostics.scoring import format_report, read_truth, score, score_scenario
from netcomplaint.cli import app
from netcomplaint.errors import InputError


@pytest.mark.slow
def test_small_scenario_scored_end_to_end(nc_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "scenario"
    result = CliRunner().invoke(
        app,
        [
            "scenario",
            "generate",
            "--out",
            str(out),
            "--seed",
            "11",
            "--cells",
            "100",
            "--days",
            "3",
            "--complaints",
            "120",
        ],
    )
    assert result.exit_code == 0, result.output
    report = score_scenario(out)
    assert report.complaints == 120 and report.diagnosed == 120
    # a floor, far below the benchmark figures, so the test guards the plumbing, not the tuning
    assert report.accuracy >= 0.7, format_report(report)
    assert report.attribution_accuracy >= 0.75
    assert {"cells", "kpis", "mr", "complaints"} <= set(report.timings)
    text = format_report(report)
    assert "top-1 cause accuracy" in text and "confusion" in text and "calibration" in text


def test_score_counts_and_attribution(tmp_path: Path) -> None:
    truth_file = tmp_path / "truth.csv"
    truth_file.write_text(
        "external_id,cause\na,outage\nb,terminal_sim\nc,no_fault_found\nd,congestion\n"
    )
    truth = read_truth(truth_file)
    predicted = {
        "a": ("outage", "network", 0.9),
        "b": ("no_fault_found", "unknown", 0.6),
        "c": ("no_fault_found", "unknown", 0.55),
    }
    report = score(predicted, truth)
    assert report.accuracy == 0.5 and report.missing == ["d"]
    assert report.attribution_accuracy == 0.5  # a and c right; b wrong side; d missing
    assert (
        report.per_cause["outage"]["recall"] == 1.0
        and report.per_cause["terminal_sim"]["recall"] == 0.0
    )
    assert report.confusion["terminal_sim"]["no_fault_found"] == 1


def test_bad_truth_file(tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    path.write_text("external_id,cause\na,gremlins\n")
    with pytest.raises(InputError):
        read_truth(path)
    with pytest.raises(InputError):
        read_truth(tmp_path / "missing.csv")
