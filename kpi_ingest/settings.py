"""Knobs of KPI and measurement ingest (environment ``NETCOMPLAINT_…``, or ``.env``).

- ``NETCOMPLAINT_KPI_FORMULAS``: TOML file of counter → KPI formulas (default: the built-in
  ``kpi_ingest/formulas.toml``).
- ``NETCOMPLAINT_PM_CELL_CLASSES``: LDN classes (RDN types) that name a cell
  (EUtranCellFDD, EUtranCellTDD, NRCellDU, NRCellCU, UtranCell, GsmCell, …).
- ``NETCOMPLAINT_PM_CELL_ID_TEMPLATE`` (``{cell}``): our cell_id from the LDN. ``{cell}`` is the
  cell RDN's value, ``{ldn}`` the whole measObjLdn, ``{element}`` the managed element's name, and
  any RDN type (``{ManagedElement}``, ``{ENodeBFunction}``) its value.
- ``NETCOMPLAINT_PM_BARE_LDN_IS_CELL`` (true): a measObjLdn without ``=`` (``10896``) is the
  cell's own id.
- ``NETCOMPLAINT_PM_NON_CELL`` (keep): counters of objects that are not cells (ports, boards):
  ``keep`` them raw (never as KPIs) or ``skip`` them.
- ``NETCOMPLAINT_PM_SUSPECT`` (skip): measurements flagged ``suspect`` are always kept raw;
  ``skip`` leaves them out of KPIs, ``use`` derives KPIs from them too.
- ``NETCOMPLAINT_PM_SNAP_S`` (60): a period start this close to the period grid is snapped onto
  it (``14:14:30`` end of a 15-minute period → starts ``14:00``).
- ``NETCOMPLAINT_WEAK_RSRP_DBM`` (-110) / ``NETCOMPLAINT_POOR_SINR_DB`` (-3): MR samples below
  count as weak coverage / poor SINR in the coverage grid.
- ``NETCOMPLAINT_MR_H3_RESOLUTION`` (11, cells of about 50 m): H3 resolution of the MR grid.
- ``NETCOMPLAINT_MR_CHUNK_ROWS`` (50000): MR rows read per chunk (bounds memory).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

from netcomplaint.settings import NC_CONFIG

SuspectMode = Literal["downtime", "skip", "use"]  # what a PM period flagged suspect gives
DEFAULT_CELL_CLASSES = (
    "EUtranCellFDD,EUtranCellTDD,EUtranCell,EUtranCellNBIoT,NRCellDU,NRCellCU,NRCell,"
    "NRCellFDD,NRCellTDD,UtranCell,UtranCellFDD,UtranCellTDD,GeranCell,GsmCell,Cell,"
    "Cell Name,CellName"  # Huawei M2000/U2000: "…/Cell:eNodeB Function Name=X, Cell Name=X_1, …"
)


def builtin_formulas_path() -> Path:
    return Path(str(resources.files("kpi_ingest").joinpath("formulas.toml")))


class IngestSettings(BaseSettings):
    model_config = NC_CONFIG

    kpi_formulas: Path | None = Field(default=None, description="formula TOML; unset = built-in")
    pm_cell_classes: str = Field(default=DEFAULT_CELL_CLASSES)
    pm_cell_id_template: str = Field(default="{cell}")
    pm_bare_ldn_is_cell: bool = True
    pm_non_cell: Literal["keep", "skip"] = "keep"
    # a suspect period (3GPP: the counts may be incomplete, e.g. the cell went down in it) gives
    # its availability only ("downtime": the downtime counters are what such a period measures),
    # nothing ("skip"), or every KPI ("use")
    pm_suspect: SuspectMode = "downtime"
    pm_snap_s: int = Field(default=60, ge=0)
    weak_rsrp_dbm: float = -110.0
    poor_sinr_db: float = -3.0
    mr_h3_resolution: int = Field(default=11, ge=0, le=15)
    mr_chunk_rows: int = Field(default=50_000, ge=1000)

    def formulas_path(self) -> Path:
        return self.kpi_formulas or builtin_formulas_path()

    def cell_classes(self) -> frozenset[str]:
        return frozenset(c.strip().lower() for c in self.pm_cell_classes.split(",") if c.strip())
