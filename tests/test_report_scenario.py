"""The report and the early warning on a generated scenario (``netcomplaint scenario generate``),
ingested through the real commands: every report section, and warnings that match the
scenario's time-bound faults (outages, the stadium event, interference, congestion)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import invoke
from tests.test_report_build import SECTIONS, sections

FILES = (
    ("cells", "cells.csv"),
    ("kpis", "kpis.csv"),
    ("alarms", "alarms.csv"),
    ("subscribers", "subscribers.csv"),
    ("devices", "devices.csv"),
    ("registrations", "registrations.csv"),
    ("areas", "areas.geojson"),
    ("complaints", "complaints.csv"),
)


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _faults(manifest: dict[str, Any]) -> list[tuple[set[str], datetime, datetime, str]]:
    """(cells, start, end, what) of every time-bound fault."""
    faults = manifest["faults"]
    period = (_t(manifest["period"]["start"]), _t(manifest["period"]["end"]))
    out = [(set(o["cells"]), _t(o["start"]), _t(o["end"]), f"outage {o['site_id']}")
           for o in faults["outages"]]  # fmt: skip
    venue = faults["event_venue"]
    out.append((set(venue["cells"]), _t(venue["start"]), _t(venue["end"]), "event"))
    for source in faults["interference_sources"]:
        for start, end in source["windows"]:
            out.append((set(source["cells"]), _t(start), _t(end), source["name"]))
    out.append((set(faults["congested_cells"]), *period, "congestion"))
    for works in faults["planned_works"]:
        site = works["site_id"]
        out.append(({f"{site}-{s}" for s in ("L1", "L2", "L3", "N1", "N2", "N3")},
                    _t(works["start"]), _t(works["end"]), f"works {site}"))  # fmt: skip
    return out


@pytest.mark.slow
def test_scenario_report_and_warnings(nc_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "scenario"
    generated = invoke("scenario", "generate", "--out", str(out), "--seed", "7")
    assert generated.exit_code == 0, generated.output
    for kind, name in FILES:
        result = invoke("ingest", kind, str(out / name))
        assert result.exit_code == 0, result.output
    manifest = json.loads((out / "scenario.json").read_text())
    start, end = manifest["period"]["start"], manifest["period"]["end"]

    refreshed = invoke("warnings", "refresh", "--since", start, "--as-of", end, "--rebuild")
    assert refreshed.exit_code == 0, refreshed.output
    listed = invoke("warnings", "list", "--json")
    assert listed.exit_code == 0, listed.output
    warnings = json.loads(listed.stdout)
    assert len(warnings) >= 3, listed.stdout
    faults = _faults(manifest)
    for w in warnings:
        began = _t(w["started_at"])
        ended = _t(w["cleared_at"] or end)
        cells = set(w["cells"])
        explained = [what for fault_cells, f_start, f_end, what in faults
                     if cells & fault_cells and began <= f_end and ended >= f_start]  # fmt: skip
        assert explained, f"warning without a fault behind it: {w['area']} {began} {cells}"
        assert all(re.match(r"^\d{3}\*{4}\d{4}$", s["msisdn"]) for s in w["subscribers"])
    for outage in manifest["faults"]["outages"]:
        if outage["complaints"] < 9:
            continue  # a few complaints over hours: too few to tell from chance within hours
        hit = [w for w in warnings
               if set(outage["cells"]) & set(w["cells"])
               and _t(outage["start"]) <= _t(w["detected_at"]) <= _t(outage["end"])]  # fmt: skip
        assert hit, f"outage {outage['site_id']} raised no warning while it lasted"

    html = tmp_path / "report.html"
    made = invoke("report", "--from", start, "--to", end, "--out", str(html), "--pdf")
    assert made.exit_code == 0, made.output
    found = sections(html.read_text(encoding="utf-8"))
    assert list(found) == list(SECTIONS)
    assert "<td>" in found["hotspots"] and "data:image/png" in found["map"]
    assert found["warnings"].count('class="chip') == len(warnings)
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
