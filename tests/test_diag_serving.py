"""Serving cells from a place: the near radius first, the whole search radius where too few sites
are near (rural places), and the batch path (one tree query for many places) the same as one."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from diagnostics.cell_index import CellIndex, cell_index
from diagnostics.complaint_context import build_context
from diagnostics.context import cell_weights
from diagnostics.evidence_mr import mr_serving
from diagnostics.models import ComplaintRecord
from diagnostics.serving import Serving, near_radius, serving_cells, with_cells
from diagnostics.settings import DiagnosticsSettings
from tests import test_diag_factories as f

S = DiagnosticsSettings()


def test_near_sites_serve_and_a_far_site_serves_where_nothing_is_near(
    conn: psycopg.Connection[Any],
) -> None:
    sites = f.network(conn, rings=1, isd_m=500.0)
    centre = sites[0]
    index = cell_index(conn)
    town = f.offset(centre.lat, centre.lon, 10.0, 150.0)
    served = serving_cells(index, *town, S)
    assert served.cells and served.cells[0].startswith(centre.site_id)
    assert served.nearest_site_m is not None and served.nearest_site_m < 200.0
    # 3 km out: no site within the near radius (1.2 km), the search radius (5 km) finds them
    far = f.offset(centre.lat, centre.lon, 3000.0, 0.0)
    assert len(index.rows_within(*far, near_radius(S))) == 0
    remote = serving_cells(index, *far, S)
    assert remote.cells and remote.nearest_site_m is not None
    assert near_radius(S) < remote.nearest_site_m < 3000.0
    assert remote.local_isd_m is not None


def test_the_batch_tree_query_gives_the_answers_of_one(conn: psycopg.Connection[Any]) -> None:
    sites = f.network(conn, rings=2, isd_m=400.0)
    index = cell_index(conn)
    places = [
        f.offset(sites[0].lat, sites[0].lon, east, north)
        for east, north in ((0.0, 100.0), (350.0, -200.0), (-900.0, 600.0), (4000.0, 0.0))
    ]
    near = index.rows_within_many([p[0] for p in places], [p[1] for p in places], near_radius(S))
    for place, rows in zip(places, near, strict=True):
        assert serving_cells(index, *place, S, near=rows) == serving_cells(index, *place, S)


def test_cells_the_mr_does_not_show_serving_become_neighbours(
    conn: psycopg.Connection[Any],
) -> None:
    """MR of an outage day show the neighbours serving (the site is down): the geometric servers
    they replace must stay in sight (their KPIs and alarms are read as neighbours')."""
    sites = f.network(conn, rings=1, isd_m=500.0)
    index = cell_index(conn)
    place = f.offset(sites[0].lat, sites[0].lon, 10.0, 150.0)
    geometric = serving_cells(index, *place, S)
    other = [n for n in geometric.neighbours if n not in geometric.cells][:1]
    measured = with_cells(geometric, other, index)
    assert measured.cells == other
    assert all(c in measured.neighbours for c in geometric.cells)
    assert not set(measured.cells) & set(measured.neighbours)
    # the main-lobe angle stays the geometric best cell's, named as such (gen 21: an omni indoor
    # cell put first by MR was said to be "42° off the best sector's azimuth")
    assert measured.lobe_cell == geometric.cells[0] and measured.off_axis_deg is not None


def test_a_site_beyond_the_ring_of_nearer_ones_does_not_serve(
    conn: psycopg.Connection[Any],
) -> None:
    """A site two inter-site distances off, facing the place, is behind nearer sites: its busy
    or noisy cells are not the customer's. It still tells what the network offers here (5G)."""
    lat, lon = f.CENTRE
    east = f.offset(lat, lon, 600.0, 0.0)
    north = f.offset(lat, lon, 0.0, 2900.0)
    extra = [
        {
            "cell_id": f"E-{k}",
            "site_id": "E",
            "lat": east[0],
            "lon": east[1],
            "technology": "LTE",
            "azimuth_deg": az,
            "beamwidth_deg": 65.0,
            "band": "B3",
            "status": "active",
        }
        for k, az in enumerate((0.0, 120.0, 240.0))
    ] + [
        {
            "cell_id": "N-NR",
            "site_id": "N",
            "lat": north[0],
            "lon": north[1],
            "technology": "NR",
            "azimuth_deg": 180.0,
            "beamwidth_deg": 65.0,
            "band": "n78",
            "status": "active",
        }
    ]
    f.network(conn, rings=0, extra=extra)
    index = cell_index(conn)
    place = f.offset(lat, lon, 0.0, 100.0)
    served = serving_cells(index, *place, S)
    assert served.local_isd_m is not None and served.local_isd_m < 1000.0
    assert "N-NR" not in served.cells and "N" not in served.sites
    assert "NR" in served.network_technologies
    wide = serving_cells(index, *place, S.model_copy(update={"serving_site_max_isd": 10.0}))
    assert "N-NR" in wide.cells


def test_a_handful_of_mr_all_on_one_cell_tells_which_one_serves(
    conn: psycopg.Connection[Any],
) -> None:
    """Sparse MR near the place (12 samples, weighted by nearness), all on one cell: too few for
    a coverage verdict (mr_min_samples), enough to show which cell serves, so the geometry's other
    candidates (cells of other sites facing the place) are only neighbours and their KPIs are not
    the customer's. Below mr_serving_min_samples the geometry decides."""
    sites = f.network(conn, rings=1, isd_m=500.0)
    index = cell_index(conn)
    place = f.offset(sites[0].lat, sites[0].lon, 10.0, 250.0)
    geometric = serving_cells(index, *place, S)
    assert len(geometric.sites) > 1
    one = geometric.cells[0]
    assert S.mr_serving_min_samples <= 12.0 < S.mr_min_samples
    assert mr_serving({one: 12.0}, index, S, None) == [one]
    assert mr_serving({one: S.mr_serving_min_samples - 1}, index, S, None) == []
    record = ComplaintRecord(
        "C1",
        "E1",
        "h",
        "138****0000",
        datetime(2026, 5, 3, 20, tzinfo=UTC),
        "weak_signal",
        *place,
    )
    ctx = build_context(record, index, None, {one: 12.0}, S)
    assert ctx.serving.cells[0] == one
    assert ctx.serving.sites == [index.site_ids[index.by_id[one]]]
    assert all(c in ctx.serving.neighbours for c in geometric.cells if c not in ctx.serving.cells)


def test_the_buildings_own_system_serves_inside_whatever_the_mr_outside_say() -> None:
    """MR taken outside the metro station mostly show the street's macro cell; inside, the
    station's own system serves: its faults weigh in full for a complaint made inside."""
    serving = Serving(["IN-1", "A-1"], [], ["IN", "A"], (31.2, 121.4), 80.0, 400.0, True, 5.0)
    counts = {"A-1": 95.0, "IN-1": 18.5}
    site_of = {"IN-1": "IN", "A-1": "A"}
    outside = cell_weights(serving, counts, None, site_of, S)
    assert outside["IN-1"] < 0.5 and outside["A-1"] == 1.0
    inside = cell_weights(serving, counts, None, site_of, S, ("IN-1",))
    assert inside["IN-1"] == 1.0


def _grid_rows(small_cells: bool) -> list[tuple[Any, ...]]:
    """3-sector macro sites on a 1,000 m grid; with ``small_cells``, a one-cell small cell (and
    an indoor system) 250 m from each, as a real inventory lists them."""
    rows: list[tuple[Any, ...]] = []
    for i in range(4):
        for j in range(4):
            lat, lon = f.offset(31.2, 121.4, 1000.0 * i, 1000.0 * j)
            for k, azimuth in enumerate((0.0, 120.0, 240.0)):
                site = f"M{i}{j}"
                rows.append(
                    (f"{site}-{k}", site, lat, lon, "LTE", azimuth, 65.0, "3", False, "active")
                )
            if small_cells:
                slat, slon = f.offset(lat, lon, 250.0, 0.0)
                rows.append(
                    (f"S{i}{j}", f"S{i}{j}", slat, slon, "LTE", None, None, "3", False, "active")
                )
                ilat, ilon = f.offset(lat, lon, 0.0, 250.0)
                rows.append(
                    (f"I{i}{j}", f"I{i}{j}", ilat, ilon, "LTE", None, None, "40", True, "active")
                )
    return rows


def test_local_isd_is_the_macro_grid_s_not_the_small_cells() -> None:
    # the small cells and indoor systems 250 m from each macro site would make the local
    # inter-site distance ~250 m, and every place between two macro sites a 'coverage gap'
    # (gen 22, real EE cells: site_distance abnormal for 55 % of healthy complaints)
    plain = CellIndex.build(_grid_rows(small_cells=False))
    dense = CellIndex.build(_grid_rows(small_cells=True))
    row = plain.by_id["M11-0"]
    assert plain.local_isd(row, 500.0) == pytest.approx(1000.0, rel=0.02)
    assert dense.local_isd(dense.by_id["M11-0"], 500.0) == pytest.approx(1000.0, rel=0.02)
    assert dense.local_isd(dense.by_id["S11"], 500.0) == pytest.approx(1000.0, rel=0.02)


def test_local_isd_of_an_inventory_of_one_cell_per_site_uses_every_site() -> None:
    rows = [r for r in _grid_rows(small_cells=False) if r[0].endswith("-0")]
    index = CellIndex.build(rows)
    assert index.local_isd(index.by_id["M11-0"], 500.0) == pytest.approx(1000.0, rel=0.02)


def test_a_site_s_omni_gsm_cell_does_not_drop_its_lte_sectors() -> None:
    # a village site: an omni GSM900 cell and three LTE sectors; the place is 50° off the
    # nearest sector's azimuth (7 dB down its pattern, the omni cell none): that LTE sector
    # still serves, with the GSM cell (gen 23: the LTE cells' congestion was never read)
    lat, lon = 34.5, 113.5
    rows: list[tuple[Any, ...]] = [
        ("V-G", "V", lat, lon, "GSM", None, None, "900", False, "active"),
        *(
            (f"V-L{k}", "V", lat, lon, "LTE", az, 65.0, "3", False, "active")
            for k, az in enumerate((0.0, 120.0, 240.0))
        ),
    ]
    for i in range(4):  # neighbouring macro sites 3 km away
        olat, olon = f.offset(
            lat, lon, 3000.0 * (1 if i % 2 else -1), 3000.0 * (1 if i < 2 else -1)
        )
        rows += [
            (f"N{i}-L{k}", f"N{i}", olat, olon, "LTE", az, 65.0, "3", False, "active")
            for k, az in enumerate((0.0, 120.0, 240.0))
        ]
    index = CellIndex.build(rows)
    place = f.offset(
        lat, lon, 500.0 * math.sin(math.radians(50.0)), 500.0 * math.cos(math.radians(50.0))
    )
    served = serving_cells(index, *place, S)
    assert "V-G" in served.cells and "V-L0" in served.cells, served.cells


def test_indoor_systems_nearby_do_not_stop_the_search_for_the_macro_sites(
    conn: psycopg.Connection[Any],
) -> None:
    """Four metro stations' indoor systems 300-700 m around the place, the macro sites 2 km off:
    the stations serve only their own buildings, so the search widens to the macros (gen 26: a
    tunnel under the city centre was said to have no active cell within 5 km)."""
    place = f.offset(*f.CENTRE, 2000.0, 0.0)
    stations = [
        {
            "cell_id": f"MRT{k}-0",
            "site_id": f"MRT{k}",
            "lat": lat,
            "lon": lon,
            "technology": "LTE",
            "band": "B3",
            "status": "active",
            "indoor": True,
        }
        for k, (lat, lon) in enumerate(
            f.offset(*place, east, north)
            for east, north in ((300.0, 0.0), (-400.0, 0.0), (0.0, 500.0), (0.0, -700.0))
        )
    ]
    f.network(conn, rings=1, isd_m=500.0, extra=stations)
    served = serving_cells(cell_index(conn), *place, S)
    assert served.cells and not any(c.startswith("MRT") for c in served.cells)
    assert served.nearest_site_m is not None and 1000.0 < served.nearest_site_m < 2500.0
