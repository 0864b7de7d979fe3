"""The operator's own networks (MCC-MNC): configured (``home_networks``), or else the most common
home network among its subscribers (a subscriber file holds mostly the operator's own customers,
with some inbound visitors). A subscriber of ours registered on a network that isn't ours, at a
place our cells serve, has latched onto a neighbour's network (border spill); a visitor from
abroad registered on ours is an inbound roamer whose trouble may well be our network's.
Cached per process and database, read again when the subscribers table changes.
"""

from __future__ import annotations

import threading

from diagnostics.cell_index import database_key
from diagnostics.settings import DiagnosticsSettings
from storage.db import Conn

# The first rows only: enough to tell the operator's own network, at a bounded cost on a table
# of millions (read once per change of the table).
MOST_COMMON_HOME_SQL = """
SELECT home_network, count(*) AS n, sum(count(*)) OVER () AS total
FROM (SELECT home_network FROM subscribers WHERE home_network IS NOT NULL LIMIT 50000) s
GROUP BY home_network ORDER BY n DESC, home_network LIMIT 1
"""

_lock = threading.Lock()
_cache: dict[tuple[object, ...], tuple[str, float] | None] = {}


def own_networks(
    conn: Conn, versions: dict[str, tuple[int, str]], settings: DiagnosticsSettings
) -> tuple[str, ...]:
    """The operator's own MCC-MNCs; () when neither configured nor clear from the subscribers
    (no home networks recorded, or none held by at least ``own_network_min_share`` of them)."""
    if settings.home_networks:
        return settings.home_networks
    key = (*database_key(conn), *versions.get("subscribers", (0, "")))
    with _lock:
        known = key in _cache
        commonest = _cache.get(key)
    if not known:
        row = conn.execute(MOST_COMMON_HOME_SQL).fetchone()
        commonest = (str(row[0]), int(row[1]) / float(row[2])) if row is not None else None
        with _lock:
            _cache.clear()  # one database per process in practice: keep the latest only
            _cache[key] = commonest
    if commonest is None or commonest[1] < settings.own_network_min_share:
        return ()
    return (commonest[0],)
