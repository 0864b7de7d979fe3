"""Knobs of the geo domain: the hotspot grid and statistic, and the map page.

Read from the environment with the product's prefix (``NETCOMPLAINT_HOTSPOT_FDR_ALPHA``,
``NETCOMPLAINT_MAP_TILE_URL`` …). KPI thresholds used to colour cells and name the worst KPIs are
the diagnostics thresholds (``diagnostics.settings``), so a cell is "bad" on the map exactly when
the checklist calls it abnormal.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings

from netcomplaint.settings import NC_CONFIG


class GeoSettings(BaseSettings):
    model_config = NC_CONFIG

    # --- hotspot grid ----------------------------------------------------------------------
    hotspot_resolution: int | None = Field(
        default=None,
        ge=0,
        le=15,
        description="h3 resolution of the grid; unset = chosen from the data",
    )
    hotspot_min_resolution: int = Field(
        default=7,
        ge=0,
        le=15,
        description="coarsest automatic resolution (7: ~1.2 km hexagon edge)",
    )
    hotspot_max_resolution: int = Field(
        default=9, ge=0, le=15, description="finest automatic resolution (9: ~175 m hexagon edge)"
    )
    hotspot_max_hexagons: int = Field(
        default=2_000_000,
        ge=1000,
        description="most hexagons a study area may have: a resolution that would split the "
        "exposure grid finer is refused with the finest one that fits (each coarse grid cell "
        "becomes 7 per level, so res 15 over a city is billions)",
    )
    hotspot_target_per_hex: float = Field(
        default=4.0,
        gt=0,
        description="automatic choice: finest grid with this many complaints per hexagon",
    )
    # --- statistic --------------------------------------------------------------------------
    hotspot_ring: int = Field(
        default=1, ge=1, le=3, description="Gi* neighbourhood: h3 rings around a hex"
    )
    hotspot_self_weight: float = Field(
        default=1.0,
        ge=1,
        description="Gi* weight of a hexagon itself (each neighbour is 1; >1 favours "
        "excesses concentrated in one hexagon)",
    )
    hotspot_fdr_alpha: float = Field(
        default=0.05, gt=0, lt=1, description="Benjamini–Hochberg false-discovery rate"
    )
    hotspot_core_sd: float = Field(
        default=1.0,
        ge=0,
        description="a hot hexagon's own value must exceed the mean by this many SDs (no halo)",
    )
    hotspot_min_complaints: int = Field(
        default=5, ge=1, description="a hotspot needs at least this many complaints"
    )
    hotspot_exposure_floor_quantile: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="hexagons without exposure get this quantile of the known",
    )
    hotspot_max_features: int = Field(
        default=500, ge=1, description="most hotspots returned (by z)"
    )
    # --- enrichment -------------------------------------------------------------------------
    hotspot_serving_cells: int = Field(
        default=5, ge=1, description="serving cells listed per hotspot"
    )
    hotspot_indoor_share: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="indoor share of complaints that suggests an indoor system",
    )
    hotspot_trend_change: float = Field(
        default=0.2,
        ge=0,
        description="relative change vs the previous period called rising/falling",
    )
    hotspot_nearest_cells_m: float = Field(
        default=3000.0,
        gt=0,
        description="radius searched for cells when complaints have no serving cells",
    )
    mr_cache_s: float = Field(
        default=60.0, ge=0, description="MR grid per period kept in memory this long (0 = never)"
    )
    # --- map page ----------------------------------------------------------------------------
    map_tile_url: str | None = Field(
        default=None,
        description="base-map tile URL template ({z}/{x}/{y}); unset = plain background",
    )
    map_tile_attribution: str = Field(default="", description="attribution shown with the tiles")
    map_max_features: int = Field(
        default=10_000, ge=100, description="most items in one map response; more are aggregated"
    )
    map_default_days: int = Field(default=7, ge=1, description="period shown when none is chosen")
    map_sparkline_points: int = Field(
        default=168, ge=10, description="most points in a KPI sparkline"
    )

    @model_validator(mode="after")
    def _ordered(self) -> GeoSettings:
        if self.hotspot_min_resolution > self.hotspot_max_resolution:
            raise ValueError("hotspot_min_resolution must not exceed hotspot_max_resolution")
        return self


@lru_cache(maxsize=1)
def get_geo_settings() -> GeoSettings:
    return GeoSettings()
