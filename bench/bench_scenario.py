"""Scenario generation: wall time, CPU time and peak memory per size.

Each size runs in its own child process (so peak RSS is that size's own); the toy size is the
baseline, and each row prints its cost per cell-day relative to it. Usage::

    .venv/bin/python bench/bench_scenario.py            # toy, demo, city-large
    .venv/bin/python bench/bench_scenario.py --province # adds 10k cells x 30 days (minutes)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = {
    "toy": (60, 3, 100),
    "demo": (300, 7, 400),
    "city-large": (2000, 14, 1500),
    "province": (10_000, 30, 3000),
}
CHILD = """
import json, resource, sys, time
from scenario.generate import generate
from scenario.settings import parse_params
cells, days, complaints, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
t0, c0 = time.perf_counter(), time.process_time()
manifest = generate(parse_params(out=out, seed=7, cells=cells, days=days, complaints=complaints))
print(json.dumps({
    "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "mr": manifest["sizes"]["mr_samples"], "kpi_rows": manifest["files"].get("kpis.csv", 0),
}))
"""


def run(name: str, root: Path) -> dict[str, float]:
    cells, days, complaints = SIZES[name]
    with tempfile.TemporaryDirectory(prefix=f"bench-scenario-{name}-") as out:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(cells), str(days), str(complaints), out],
            capture_output=True,
            text=True,
            cwd=root,
            check=True,
        )
        size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["out_mb"] = size / 1e6
    result["cell_days"] = cells * days
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", action="store_true", help="also run 10k cells x 30 days")
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    names = ["toy", "demo", "city-large"] + (["province"] if args.province else [])
    print(
        f"{'size':<11} {'cells':>6} {'days':>4} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} "
        f"{'MR':>9} {'KPI rows':>10} {'out MB':>8} {'cpu/cell-day vs toy':>20}"
    )
    base = None
    for name in names:
        r = run(name, root)
        per = r["cpu_s"] / r["cell_days"]
        base = base or per
        cells, days, _ = SIZES[name]
        print(
            f"{name:<11} {cells:>6} {days:>4} {r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} "
            f"{r['peak_mb']:>8.0f} {r['mr']:>9.0f} {r['kpi_rows']:>10.0f} {r['out_mb']:>8.1f} "
            f"{per / base:>19.2f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
