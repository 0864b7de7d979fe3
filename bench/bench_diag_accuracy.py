"""Diagnosis accuracy on generated scenarios (held-out seeds), optionally fitting the calibration.

For every seed: ``netcomplaint scenario generate`` → a fresh database loaded through the real
ingest commands → every complaint diagnosed by ``ingest complaints`` → scored against truth.csv
(``diagnostics.scoring``). Prints per-seed and pooled top-1 accuracy, user-vs-network attribution
accuracy, per-cause recall, the calibration table, and the ratio to a baseline measured in the
same run (always answering the truth's most frequent cause).

    .venv/bin/python bench/bench_diag_accuracy.py --seeds 201 202 203
    # fit the confidence calibration on seeds 101/102, evaluate on 201–203:
    .venv/bin/python bench/bench_diag_accuracy.py --fit-seeds 101 102 \\
        --fit-out diagnostics/calibration.json --seeds 201 202 203
    # scenarios written by another generator (the contract's files and truth.csv), as they are:
    .venv/bin/python bench/bench_diag_accuracy.py --scenario /data/acceptance/s1 /data/acceptance/s2

Needs only the embedded database (or NETCOMPLAINT_DATABASE_URL); scenarios go to --work.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diagnostics.models import CAUSES  # noqa: E402
from diagnostics.ranking import Sample  # noqa: E402
from diagnostics.scoring import ScoreReport, fit, format_report, read_truth, score_scenario  # noqa: E402
from diagnostics.settings import get_diag_settings  # noqa: E402
from netcomplaint.cli import app  # noqa: E402


def generate(out: Path, seed: int, cells: int, days: int, complaints: int) -> None:
    if (out / "truth.csv").exists():
        return
    result = CliRunner().invoke(
        app,
        [
            "scenario",
            "generate",
            "--out",
            str(out),
            "--seed",
            str(seed),
            "--cells",
            str(cells),
            "--days",
            str(days),
            "--complaints",
            str(complaints),
        ],
    )
    if result.exit_code != 0:
        raise SystemExit(f"scenario generate failed: {result.output}")


def pooled(reports: list[ScoreReport]) -> dict[str, float]:
    n = sum(r.complaints for r in reports)
    right = sum(r.accuracy * r.complaints for r in reports)
    attributed = sum(r.attribution_accuracy * r.complaints for r in reports)
    out = {"complaints": float(n), "accuracy": right / n, "attribution": attributed / n}
    for cause in CAUSES:
        support = sum(r.per_cause[cause]["support"] for r in reports)
        hits = sum(r.per_cause[cause]["recall"] * r.per_cause[cause]["support"] for r in reports)
        out[f"recall:{cause}"] = hits / support if support else float("nan")
    return out


def baseline(directory: Path) -> float:
    truth = read_truth(directory / "truth.csv")
    return Counter(c for c, _ in truth.values()).most_common(1)[0][1] / len(truth)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[201, 202, 203], help="held-out seeds scored"
    )
    parser.add_argument(
        "--fit-seeds", type=int, nargs="*", default=[], help="seeds to fit the calibration on"
    )
    parser.add_argument(
        "--scenario",
        type=Path,
        nargs="+",
        default=[],
        help="score these scenario directories (contract files + truth.csv) instead of --seeds",
    )
    parser.add_argument("--fit-out", type=Path, help="where to write the fitted calibration JSON")
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--complaints", type=int, default=400)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nc-bench-diag")
    parser.add_argument("--verbose", action="store_true", help="print each seed's full report")
    args = parser.parse_args()
    os.environ.setdefault("NETCOMPLAINT_DATA_DIR", str(args.work / "data"))
    args.work.mkdir(parents=True, exist_ok=True)

    if args.fit_seeds:
        samples: list[Sample] = []
        for seed in args.fit_seeds:
            out = args.work / f"s{seed}-{args.cells}c{args.days}d{args.complaints}"
            generate(out, seed, args.cells, args.days, args.complaints)
            report = score_scenario(out, samples_out=samples)
            print(
                f"fit seed {seed}: accuracy {report.accuracy:.1%} ({len(samples)} samples so far)"
            )
        target = args.fit_out or args.work / "calibration.json"
        calibration = fit(
            samples,
            target,
            label=f"seeds {' '.join(map(str, args.fit_seeds))}, "
            f"{args.cells} cells, {args.days} days",
        )
        print(f"calibration written to {target}: {calibration}")
        os.environ["NETCOMPLAINT_CONFIDENCE_CALIBRATION_FILE"] = str(target)
        get_diag_settings.cache_clear()

    reports: list[ScoreReport] = []
    baselines: list[float] = []
    print(
        f"\n{'seed':>6}{'n':>6}{'top-1':>8}{'attrib':>8}{'min recall':>12}{'ECE':>7}{'seconds':>9}"
    )
    scored: list[tuple[str, Path]] = [(d.name, d) for d in args.scenario]
    for seed in [] if args.scenario else args.seeds:
        out = args.work / f"s{seed}-{args.cells}c{args.days}d{args.complaints}"
        generate(out, seed, args.cells, args.days, args.complaints)
        scored.append((str(seed), out))
    for label, out in scored:
        started = time.perf_counter()
        report = score_scenario(out)
        seconds = time.perf_counter() - started
        reports.append(report)
        baselines.append(baseline(out))
        low = min((m["recall"], c) for c, m in report.per_cause.items() if m["support"])
        print(
            f"{label:>6}{report.complaints:>6}{report.accuracy:>8.1%}{report.attribution_accuracy:>8.1%}"
            f"{low[0]:>7.0%} {low[1][:4]}{report.ece:>7.3f}{seconds:>9.1f}"
        )
        if args.verbose:
            print(format_report(report))
    total = pooled(reports)
    base = (
        sum(b * r.complaints for b, r in zip(baselines, reports, strict=True)) / total["complaints"]
    )
    print(
        f"\npooled over {' '.join(label for label, _ in scored)}: {int(total['complaints'])} "
        "complaints"
    )
    print(
        f"top-1 cause accuracy {total['accuracy']:.1%} (baseline, most frequent cause: "
        f"{base:.1%}; "
        f"ratio {total['accuracy'] / base:.2f}×)"
    )
    print(f"user-vs-network attribution {total['attribution']:.1%}")
    for cause in CAUSES:
        print(f"  recall {cause:<22}{total[f'recall:{cause}']:.1%}")
    print("\ncalibration of the last seed:")
    print(format_report(reports[-1]).split("calibration", 1)[1])


if __name__ == "__main__":
    main()
