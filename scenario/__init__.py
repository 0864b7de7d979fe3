"""Synthetic scenarios with known truth: a city's radio network, its traffic, its faults, and the
complaints they cause, written in the contract's input formats plus ``truth.csv``.

Modules, one role each: ``settings`` (run parameters and model constants), ``clock`` (periods,
zones, diurnal shapes), ``network`` (sites, sectors, layers, holes), ``propagation`` and
``radio`` (TR 38.901 path loss, antenna patterns, O2I loss, correlated shadowing, best server,
SINR), ``population`` (where people are), ``traffic`` (load and KPIs), ``faults`` (outages,
interference sources, congestion), ``locations``/``coverage``/``incidents`` (complainants'
spots whose radio really matches their cause), ``people`` (subscribers, handsets,
registrations), ``complaints`` and ``texts`` (complaint rows), ``mr`` (measurement reports),
``records`` (alarms, areas), ``writer``/``pmxml`` (files), ``world``/``generate`` (orchestration),
``cli`` (``netcomplaint scenario generate``).
"""
