"""The scenario generator: contract files, reproducibility, and the physics behind the truth."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial import cKDTree

from netcomplaint.errors import InputError
from scenario.generate import generate
from scenario.propagation import ShadowField, antenna_gain, pl_rma, pl_uma
from scenario.settings import CAUSES, ScenarioParams, parse_params

ROOT = Path(__file__).resolve().parents[1]
TOY = {"seed": 3, "cells": 60, "days": 2, "complaints": 80}


def _params(
    out: Path,
    seed: int = 3,
    cells: int = 60,
    days: int = 2,
    complaints: int = 80,
    kpi_format: str = "csv",
) -> ScenarioParams:
    return parse_params(
        out=out, seed=seed, cells=cells, days=days, complaints=complaints, kpi_format=kpi_format
    )


FILES = (
    "cells.csv",
    "kpis.csv",
    "mr.csv",
    "alarms.csv",
    "subscribers.csv",
    "devices.csv",
    "registrations.csv",
    "areas.geojson",
    "complaints.csv",
    "truth.csv",
    "scenario.json",
)
HEADERS = {
    "cells.csv": [
        "cell_id",
        "site_id",
        "lat",
        "lon",
        "technology",
        "azimuth_deg",
        "beamwidth_deg",
        "band",
        "earfcn",
        "pci",
        "height_m",
        "tilt_deg",
        "indoor",
        "status",
        "on_air_date",
    ],
    "kpis.csv": [
        "ts",
        "cell_id",
        "availability_pct",
        "rrc_setup_sr_pct",
        "erab_setup_sr_pct",
        "call_drop_rate_pct",
        "ho_sr_pct",
        "prb_util_dl_pct",
        "prb_util_ul_pct",
        "ul_interference_dbm",
        "avg_cqi",
        "dl_user_thr_mbps",
        "rrc_users_avg",
    ],
    "mr.csv": ["ts", "lat", "lon", "rsrp_dbm", "cell_id", "rsrq_db", "sinr_db", "source"],
    "alarms.csv": [
        "alarm_id",
        "object_id",
        "alarm_type",
        "severity",
        "raised_at",
        "cleared_at",
        "text",
    ],
    "subscribers.csv": ["msisdn", "tac", "sim_type", "home_network", "vip"],
    "devices.csv": [
        "tac",
        "vendor",
        "model",
        "supports_lte",
        "supports_nr",
        "supports_volte",
        "bands",
        "known_issue",
    ],
    "registrations.csv": [
        "msisdn",
        "observed_at",
        "status",
        "network",
        "reject_cause",
        "call_forwarding",
        "roaming_enabled",
    ],
    "complaints.csv": [
        "external_id",
        "msisdn",
        "reported_at",
        "lat",
        "lon",
        "cell_id",
        "symptom",
        "occurred_from",
        "occurred_to",
        "description",
        "indoor",
        "floor",
        "frequency",
        "neighbours_affected",
        "everywhere",
        "channel",
        "urgent",
    ],
    "truth.csv": ["external_id", "cause"],
}
SYMPTOMS = {
    "no_signal",
    "weak_signal",
    "call_drop",
    "poor_voice",
    "cannot_call",
    "cannot_receive",
    "slow_data",
    "no_data",
    "sms_failure",
    "roaming_failure",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _t(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("toy")
    generate(_params(out))
    return out


@pytest.fixture(scope="module")
def manifest(toy: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((toy / "scenario.json").read_text())
    return data


@pytest.fixture(scope="module")
def mr(toy: Path) -> dict[str, Any]:
    """MR samples with positions in local metres and the serving site's distance."""
    rows = _rows(toy / "mr.csv")
    cells = {r["cell_id"]: r for r in _rows(toy / "cells.csv")}
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    clat = np.array([float(cells[r["cell_id"]]["lat"]) for r in rows])
    clon = np.array([float(cells[r["cell_id"]]["lon"]) for r in rows])
    kx = 111_320 * math.cos(math.radians(31.23))
    x, y = (lon - 121.47) * kx, (lat - 31.23) * 110_540
    dist = np.hypot(x - (clon - 121.47) * kx, y - (clat - 31.23) * 110_540)
    return {
        "x": x,
        "y": y,
        "dist": np.maximum(dist, 10.0),
        "rsrp": np.array([float(r["rsrp_dbm"]) for r in rows]),
        "sinr": np.array([float(r["sinr_db"]) for r in rows]),
        "ts": np.array([_t(r["ts"]) for r in rows]),
        "cell": np.array([r["cell_id"] for r in rows]),
        "indoor": np.array([cells[r["cell_id"]]["indoor"] == "true" for r in rows]),
    }


def test_files_have_the_contract_columns(toy: Path, manifest: dict[str, Any]) -> None:
    for name in FILES:
        assert (toy / name).is_file(), name
    for name, header in HEADERS.items():
        with (toy / name).open(encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == header, name
    areas = json.loads((toy / "areas.geojson").read_text())
    assert areas["type"] == "FeatureCollection"
    kinds = {"blind_spot", "weak_coverage", "planned_site", "interference_source", "event_venue"}
    for feat in areas["features"]:
        assert feat["properties"]["kind"] in kinds
        assert feat["geometry"]["type"] in ("Polygon", "MultiPolygon")
    cells = _rows(toy / "cells.csv")
    assert len(cells) == TOY["cells"] == manifest["sizes"]["cells"]
    assert {c["technology"] for c in cells} == {"LTE", "NR"}
    assert any(c["status"] == "planned" and c["on_air_date"] > "2025-06-04" for c in cells)
    assert any(c["indoor"] == "true" and c["azimuth_deg"] == "" for c in cells)
    kpis = _rows(toy / "kpis.csv")
    active = sum(c["status"] == "active" for c in cells)
    assert len(kpis) == active * TOY["days"] * 96
    assert kpis[0]["ts"] == "2025-06-02T00:00:00+08:00"


def test_same_seed_same_bytes_other_seed_differs(toy: Path, tmp_path: Path) -> None:
    generate(_params(tmp_path / "again"))
    generate(_params(tmp_path / "other", seed=4))
    for name in FILES:
        assert (toy / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    assert (toy / "mr.csv").read_bytes() != (tmp_path / "other" / "mr.csv").read_bytes()
    assert (toy / "truth.csv").read_bytes() != (tmp_path / "other" / "truth.csv").read_bytes()


def test_rsrp_falls_with_distance_from_the_serving_site(mr: dict[str, Any]) -> None:
    outdoor_cells = ~mr["indoor"]
    slope, _ = np.polyfit(np.log10(mr["dist"][outdoor_cells]), mr["rsrp"][outdoor_cells], 1)
    assert -45 < slope < -10  # dB per decade of distance


def test_shadowing_is_spatially_correlated(mr: dict[str, Any]) -> None:
    keep = ~mr["indoor"]
    x, y, rsrp, dist = mr["x"][keep], mr["y"][keep], mr["rsrp"][keep], mr["dist"][keep]
    fit = np.polyfit(np.log10(dist), rsrp, 1)
    resid = rsrp - np.polyval(fit, np.log10(dist))
    tree = cKDTree(np.column_stack([x, y]))
    near = np.array(sorted(tree.query_pairs(r=15.0)))
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, len(x), 20_000), rng.integers(0, len(x), 20_000)
    far = np.hypot(x[a] - x[b], y[a] - y[b]) > 1000
    corr_near = np.corrcoef(resid[near[:, 0]], resid[near[:, 1]])[0, 1]
    corr_far = np.corrcoef(resid[a[far]], resid[b[far]])[0, 1]
    assert corr_near > corr_far + 0.2


def test_shadow_field_has_the_gudmundson_correlation() -> None:
    field = ShadowField(50.0, np.random.default_rng(1), n=512)
    g = field.grid.astype(np.float64)
    assert abs(g.std() - 1.0) < 1e-6
    for lag_cells, expected in ((1, math.exp(-12.5 / 50)), (4, math.exp(-1.0)), (40, 0.0)):
        r = np.corrcoef(g[:, :-lag_cells].ravel(), g[:, lag_cells:].ravel())[0, 1]
        assert abs(r - expected) < 0.08


def test_path_loss_and_antenna_pattern() -> None:
    d = np.array([100.0, 1000.0, 5000.0])
    h_bs, h_ut, fc = np.full(3, 30.0), np.full(3, 1.5), np.full(3, 1.8)
    uma = pl_uma(d, h_bs, h_ut, fc)
    assert np.all(np.diff(uma) > 20)  # about 39 dB per decade (38.901 UMa NLOS)
    assert 130 < uma[1] < 140  # 13.54 + 39.08 log10(1000) + 20 log10(1.8)
    assert np.all(np.diff(pl_rma(d, h_bs, h_ut, fc)) > 0)
    az = np.zeros(4)
    gain = antenna_gain(
        np.array([0.0, 1000 * math.tan(math.radians(32.5)), 0, 1000]),
        np.array([1000.0, 1000, -1000, 0]),
        np.full(4, 0.0),
        az,
        np.zeros(4),
    )
    assert gain[0] == pytest.approx(0.0, abs=1e-9)
    assert gain[1] == pytest.approx(-3.0, abs=0.01)  # half the 65 degree beamwidth
    assert gain[2] == pytest.approx(-25.0)  # back lobe: A_m
    assert gain[3] == pytest.approx(-12 * (90 / 65) ** 2)


def test_outage_cells_have_no_mr_and_lose_availability(
    toy: Path, manifest: dict[str, Any], mr: dict[str, Any]
) -> None:
    outages = manifest["faults"]["outages"]
    assert outages and any(not o["alarmed"] for o in outages)
    kpis = _rows(toy / "kpis.csv")
    for o in outages:
        start, end = _t(o["start"]), _t(o["end"])
        in_window = (mr["ts"] >= start) & (mr["ts"] < end) & np.isin(mr["cell"], o["cells"])
        assert not in_window.any(), o["site_id"]
        overlapped = [
            k
            for k in kpis
            if k["cell_id"] in o["cells"] and _t(k["ts"]) < end and _t(k["ts"]) + 900 > start
        ]
        assert overlapped and all(float(k["availability_pct"]) < 100 for k in overlapped)
        full = [k for k in overlapped if _t(k["ts"]) >= start and _t(k["ts"]) + 900 <= end]
        assert all(k["availability_pct"] == "0.00" and k["avg_cqi"] == "" for k in full)
    alarms = _rows(toy / "alarms.csv")
    alarmed_sites = {a["object_id"] for a in alarms if a["alarm_type"] != "cell_unavailable"}
    for o in outages:
        assert (o["site_id"] in alarmed_sites) == o["alarmed"]


def test_interfered_cells_show_uplink_interference_in_their_windows(
    toy: Path, manifest: dict[str, Any]
) -> None:
    sources = manifest["faults"]["interference_sources"]
    assert sources
    series: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for k in _rows(toy / "kpis.csv"):
        if k["ul_interference_dbm"]:
            series[k["cell_id"]].append((_t(k["ts"]), float(k["ul_interference_dbm"])))
    for src in sources:
        windows = [(_t(a), _t(b)) for a, b in src["windows"]]
        for cell in src["cells"]:
            inside = [v for t, v in series[cell] if any(a <= t < b for a, b in windows)]
            outside = [v for t, v in series[cell] if not any(a <= t < b for a, b in windows)]
            assert inside and min(inside) > -105.0
            assert not outside or np.median(outside) < -112.0
    healthy = [v for c, s in series.items() for _t0, v in s if c not in _hit_cells(sources)]
    assert -119.5 < float(np.median(healthy)) < -116.5


def _hit_cells(sources: list[dict[str, Any]]) -> set[str]:
    return {c for s in sources for c in s["cells"]}


def test_truth_covers_every_complaint_and_every_cause(toy: Path, manifest: dict[str, Any]) -> None:
    complaints = _rows(toy / "complaints.csv")
    truth = {r["external_id"]: r["cause"] for r in _rows(toy / "truth.csv")}
    assert len(complaints) == TOY["complaints"] == len(truth)
    assert {c["external_id"] for c in complaints} == set(truth)
    assert set(truth.values()) == set(CAUSES)
    assert sum(manifest["counts"].values()) == TOY["complaints"]
    start, end = _t(manifest["period"]["start"]), _t(manifest["period"]["end"])
    for c in complaints:
        assert c["symptom"] in SYMPTOMS
        reported = _t(c["reported_at"])
        assert start <= reported < end
        assert c["reported_at"].endswith("+08:00")
        if c["occurred_from"]:
            assert _t(c["occurred_from"]) <= reported
        assert (c["lat"] and c["lon"]) or c["cell_id"]
        assert len(c["msisdn"]) >= 10 and c["msisdn"].isdigit()
    only_cell = sum(1 for c in complaints if not c["lat"])
    assert 0 < only_cell < len(complaints) * 0.3


def test_weak_coverage_complaints_sit_in_weak_mr(toy: Path, mr: dict[str, Any]) -> None:
    truth = {r["external_id"]: r["cause"] for r in _rows(toy / "truth.csv")}
    tree = cKDTree(np.column_stack([mr["x"], mr["y"]]))
    kx = 111_320 * math.cos(math.radians(31.23))
    share: dict[str, list[float]] = defaultdict(list)
    for c in _rows(toy / "complaints.csv"):
        if not c["lat"]:
            continue
        x, y = (float(c["lon"]) - 121.47) * kx, (float(c["lat"]) - 31.23) * 110_540
        idx = tree.query_ball_point([x, y], 50.0)
        if len(idx) >= 5:
            share[truth[c["external_id"]]].append(float(np.mean(mr["rsrp"][idx] < -110)))
    assert np.median(share["weak_coverage"]) > 0.6
    for cause in ("no_fault_found", "terminal_sim", "roaming_registration"):
        assert np.median(share[cause]) < 0.15


def test_subscribers_devices_and_registrations(toy: Path) -> None:
    subs = {s["msisdn"]: s for s in _rows(toy / "subscribers.csv")}
    devices = {d["tac"]: d for d in _rows(toy / "devices.csv")}
    assert len(devices) >= 35 and all(len(t) == 8 for t in devices)
    assert all(s["tac"] in devices for s in subs.values())
    regs = _rows(toy / "registrations.csv")
    complainants = {c["msisdn"] for c in _rows(toy / "complaints.csv")}
    assert complainants <= {r["msisdn"] for r in regs} and complainants <= set(subs)
    statuses = {r["status"] for r in regs}
    assert "registered" in statuses and statuses <= {
        "registered",
        "not_registered",
        "rejected",
        "detached",
    }


def test_xml_kpis_give_back_the_csv_values(tmp_path: Path) -> None:
    generate(_params(tmp_path / "csv", seed=5, cells=30, days=1, complaints=14))
    generate(
        _params(tmp_path / "xml", seed=5, cells=30, days=1, complaints=14, kpi_format="xml.gz")
    )
    assert (tmp_path / "csv" / "mr.csv").read_bytes() == (tmp_path / "xml" / "mr.csv").read_bytes()
    files = sorted((tmp_path / "xml" / "kpis").iterdir())
    assert len(files) == 96 and files[40].name.startswith("A20250602.1000+0800-1015+0800")
    import gzip

    from lxml import etree

    ns = {"m": "http://www.3gpp.org/ftp/specs/archive/32_series/32.435#measCollec"}
    root = etree.fromstring(gzip.decompress(files[40].read_bytes()))
    names = {t.get("p"): t.text for t in root.iterfind(".//m:measInfo[1]/m:measType", ns)}
    expected = {
        r["cell_id"]: r
        for r in _rows(tmp_path / "csv" / "kpis.csv")
        if r["ts"] == "2025-06-02T10:00:00+08:00"
    }
    seen = 0
    for value in root.iterfind(".//m:measValue", ns):
        cell = str(value.get("measObjLdn")).rsplit("=", 1)[1]
        texts = {names[e.get("p")]: str(e.text) for e in value.iterfind("m:r", ns)}
        pdf = {k: [float(b) for b in v.split(",")] for k, v in texts.items() if "," in v}
        r = {k: float(v) for k, v in texts.items() if "," not in v}
        row = expected[cell]
        if r["RRC.ConnEstabAtt"]:
            assert 100 * r["RRC.ConnEstabSucc"] / r["RRC.ConnEstabAtt"] == pytest.approx(
                float(row["rrc_setup_sr_pct"]), abs=0.05
            )
        assert 100 * r["RRU.PrbUsedDl"] / r["RRU.PrbAvailDl"] == pytest.approx(
            float(row["prb_util_dl_pct"]), abs=0.05
        )
        if row["avg_cqi"] == "":  # down for the whole period: no CQI reports
            assert "CARR.WBCQIDist" not in pdf and row["availability_pct"] == "0.00"
        else:
            bins = pdf["CARR.WBCQIDist"]
            assert len(bins) == 16
            mean = sum(k * b for k, b in enumerate(bins)) / sum(bins)
            assert mean == pytest.approx(float(row["avg_cqi"]), abs=0.05)
        if row["ul_interference_dbm"]:
            assert r["L.UL.Interference.Avg"] == float(row["ul_interference_dbm"])
        seen += 1
    assert seen == len(expected)


def test_bad_parameters_raise_input_errors(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    for kwargs in (
        {"out": tmp_path / "file"},
        {"out": tmp_path, "cells": "5"},
        {"out": tmp_path, "days": "abc"},
        {"out": tmp_path, "tz": "Mars/Base"},
        {"out": tmp_path, "kpi_format": "json"},
        {"out": tmp_path, "start": "June"},
    ):
        with pytest.raises(InputError):
            parse_params(**kwargs)


def test_cli_generates_and_rejects_bad_arguments(tmp_path: Path) -> None:
    exe = str(Path(sys.executable).with_name("netcomplaint"))
    ok = subprocess.run(
        [
            exe,
            "scenario",
            "generate",
            "--out",
            str(tmp_path / "s"),
            "--seed",
            "3",
            "--cells",
            "60",
            "--days",
            "2",
            "--complaints",
            "80",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert ok.returncode == 0, ok.stderr
    assert "80 complaints" in ok.stdout
    assert (tmp_path / "s" / "truth.csv").is_file()
    bad = subprocess.run(
        [exe, "scenario", "generate", "--out", str(tmp_path / "t"), "--cells", "many"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert bad.returncode == 1
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "--cells" in lines[0]
