"""Symptom inference from free text: how many complaint descriptions get their symptom right.

Phrase lists in ``bench/data`` (120 realistic descriptions each, half Chinese, half English,
12 per symptom, written by someone who had not seen the rules) and the scenario generator's own
phrases. Each list was written after the rules had been extended from the previous one, so the
newest is held out; against the rules of 8cdfc18 ("before"):

- list a served to extend the rules: 73/120 before;
- list b: 68/120 before, 101/120 when first measured, then served too;
- list c: 54/120 before, 101/120 when first measured (after one bug it showed was fixed: "work"
  anywhere made a clause look like "this works"), then served too;
- list d: 51/120 before; 98, 101 and 106/120 with the rules of d69eb5a, 7f73909 and e3668ed
  (each round of fixes generalised to the next list), then served too;
- list e is held out: 66/120 before; 104, 109, 108 and 109/120 with the rules of d69eb5a,
  7f73909, e3668ed and 063f6e6 (the rounds now add little: the rest needs more than phrases).

For each list: the full inference (``infer_symptom``), the phrase rules alone (no clause filter,
no fallback: the baseline, measured in the same run), and how many would get no symptom at all
(a complaint with a blank symptom column is then refused).

    .venv/bin/python bench/bench_symptoms.py
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diagnostics.symptoms import PRIORITY, infer_symptom, phrase_scores  # noqa: E402
from scenario.texts import PHRASES  # noqa: E402

TARGET = 0.8  # share of held-out descriptions understood


def phrases_only(text: str) -> str | None:
    """The baseline: the phrase rules on the whole text, nothing else."""
    scores = phrase_scores(text.lower().replace("’", "'")) if text else {}
    if not scores:
        return None
    best = max(scores.values())
    return next(s for s in PRIORITY if scores.get(s) == best)


def score(cases: list[tuple[str, str]], infer: Callable[[str], str | None]) -> tuple[int, int]:
    right = sum(infer(text) == symptom for text, symptom in cases)
    none = sum(infer(text) is None for text, _ in cases)
    return right, none


def main() -> int:
    sets = {
        path.stem: [(c["text"], c["symptom"]) for c in json.loads(path.read_text("utf-8"))]
        for path in sorted((ROOT / "bench" / "data").glob("symptom_phrases_*.json"))
    }
    sets["scenario generator"] = [(t, s) for s, (zh, en) in PHRASES.items() for t in (*zh, *en)]
    missed = False
    for name, cases in sets.items():
        n = len(cases)
        right, none = score(cases, infer_symptom)
        base_right, base_none = score(cases, phrases_only)
        print(
            f"{name}: {right}/{n} right ({right / n:.0%}), {none} without a symptom; "
            f"phrase rules alone {base_right}/{n} ({base_none} without): "
            f"{right / max(base_right, 1):.2f}×"
        )
        if name.startswith("symptom_phrases") and right / n < TARGET:
            missed = True
            print(f"  TARGET MISSED: {TARGET:.0%} understood")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
