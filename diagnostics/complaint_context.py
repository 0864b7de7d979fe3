"""The context of one complaint before its evidence is read: the serving cells (the geometry,
then what the MR show, then the building's own system for a complaint made indoors), the device's
technologies, and the time of the problem. ``evidence.gather`` builds one per complaint and adds
the KPIs, alarms, MR and registrations it reads for the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from diagnostics.cell_index import CellIndex
from diagnostics.context import Context, Subscriber, cell_weights, complaint_window, kpi_window
from diagnostics.description import place_hints
from diagnostics.evidence_mr import mr_serving
from diagnostics.geometry import distance_m
from diagnostics.models import ComplaintRecord
from diagnostics.serving import co_sector, serving_cells, with_cells
from diagnostics.settings import DiagnosticsSettings


def _device_technologies(sub: Subscriber | None) -> tuple[str, ...] | None:
    """Technologies the handset can use; None = unknown (all cells may serve)."""
    if sub is None or sub.device is None:
        return None
    techs = ["GSM", "UMTS"]
    if sub.device.supports_lte and sub.sim_type in ("4g", "5g"):
        techs.append("LTE")
    if sub.device.supports_nr and sub.sim_type == "5g":
        techs.append("NR")
    return tuple(techs)


def build_context(
    c: ComplaintRecord,
    cells: CellIndex,
    sub: Subscriber | None,
    counts: dict[str, float],
    settings: DiagnosticsSettings,
    near: npt.NDArray[np.int64] | None = None,
    events: Sequence[tuple[datetime, datetime]] = (),
) -> Context:
    techs = _device_technologies(sub)
    serving = serving_cells(
        cells,
        c.lat,
        c.lon,
        settings,
        cell_id=c.cell_id,
        technologies=techs,
        near=near,
    )
    if techs is not None and not serving.cells:  # the device can use none of them: show them all
        serving = serving_cells(cells, c.lat, c.lon, settings, cell_id=c.cell_id, near=near)
    geometry = None
    own = _own_system(c, serving.cells, cells, settings) if _indoors(c) else []
    measured = mr_serving(counts, cells, settings, techs)
    if measured:
        geometry = serving
        given = [c.cell_id] if c.cell_id else []
        # MR taken outside don't show the building's own system: it serves inside
        given += [x for x in own if x not in given]
        chosen = [*given, *(m for m in measured if m not in given)]
        # the MR show which sector serves; its other layers serve the place too (a phone is
        # steered between them), though the MR caught none of them here
        layers = [
            x
            for x in co_sector(cells, chosen[0])
            if x not in chosen
            and cells.status[cells.by_id[x]] == "active"
            and (techs is None or cells.technology[cells.by_id[x]] in techs)
        ]
        serving = with_cells(serving, [*chosen, *layers][: settings.max_serving_cells], cells)
    place = (c.lat, c.lon) if c.lat is not None and c.lon is not None else serving.location
    window = complaint_window(c, settings, place, events)
    site_of = {
        cid: cells.site_ids[row]
        for cid in [*serving.cells, *serving.neighbours]
        if (row := cells.by_id.get(cid)) is not None
    }
    technologies = serving.network_technologies or serving.technologies
    if measured:
        technologies = tuple(sorted({*technologies, *serving.technologies}))
    return Context(
        c,
        window,
        serving,
        technologies,
        kpi_window=kpi_window(window, settings, described=_described(c, window, settings)),
        site_of=site_of,
        mr_cells=counts,
        cells_known=len(cells) > 0,
        geometry=geometry,
        cell_weight=cell_weights(
            serving, counts if measured else {}, c.cell_id, site_of, settings, own
        ),
        own_system_bands=tuple(sorted({b for x in own if (b := cells.band[cells.by_id[x]])})),
    )


def _described(
    c: ComplaintRecord, window: tuple[datetime, datetime], settings: DiagnosticsSettings
) -> bool:
    """Was the time of the problem set by the description (no times given, and the window
    reaches past the usual look-back before the report)?"""
    usual = c.reported_at - timedelta(hours=settings.problem_hours)
    return not c.gave_times() and window[0] < usual


def _indoors(c: ComplaintRecord) -> bool:
    return c.indoor is True or (c.indoor is None and "indoor" in place_hints(c.description))


def _own_system(
    c: ComplaintRecord, candidates: Sequence[str], cells: CellIndex, settings: DiagnosticsSettings
) -> list[str]:
    """The in-building cells among the candidates within ``indoor_system_radius_m`` of the place:
    the building's own system (one farther off is another building's)."""
    if c.lat is None or c.lon is None:
        return []
    rows = [(x, cells.by_id[x]) for x in candidates if x in cells.by_id]
    return [
        x
        for x, row in rows
        if cells.indoor[row]
        and distance_m(c.lat, c.lon, float(cells.lat[row]), float(cells.lon[row]))
        <= settings.indoor_system_radius_m
    ]
