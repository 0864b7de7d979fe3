"""The operator's own networks: configured, or the most common home network of its subscribers,
cached until the subscribers table changes (a real database)."""

from __future__ import annotations

from typing import Any

import psycopg

from diagnostics.cell_index import reference_versions
from diagnostics.networks import own_networks
from diagnostics.settings import DiagnosticsSettings
from tests import test_diag_factories as f

SETTINGS = DiagnosticsSettings()


def _own(conn: psycopg.Connection[Any], settings: DiagnosticsSettings = SETTINGS) -> Any:
    return own_networks(conn, reference_versions(conn), settings)


def test_the_most_common_home_network_is_the_operators_own(
    conn: psycopg.Connection[Any],
) -> None:
    assert _own(conn) == ()  # no subscribers: not known
    for k in range(3):
        f.subscriber(conn, f"1380013800{k}", "35000001", home="639-02")
    f.subscriber(conn, "25670000001", "35000001", home="641-10")  # a visitor from Uganda
    assert _own(conn) == ("639-02",)
    # the cache follows the table: with three more visitors theirs is the most common
    for k in range(2, 5):
        f.subscriber(conn, f"2567000000{k}", "35000001", home="641-10")
    assert _own(conn) == ("641-10",)
    assert _own(conn, DiagnosticsSettings(own_network_min_share=0.6)) == ()  # 4 of 7: unclear
    assert _own(conn, DiagnosticsSettings(home_networks=("639-03",))) == ("639-03",)
