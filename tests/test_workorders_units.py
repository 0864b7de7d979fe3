"""Pure parts of the work-order domain: doctests, routing without a database, settings."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest
from pydantic import ValidationError

from workorders import calendar, lifecycle, repeats, routing, verification
from workorders.settings import WorkOrderSettings


@pytest.mark.parametrize("module", [calendar, lifecycle, repeats, routing, verification])
def test_doctests(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


def test_repeated_user_side_routes_to_a_field_test() -> None:
    assert routing.route("terminal_sim", []) is None
    routed = routing.route("no_fault_found", [], repeat=True)
    assert routed is not None and routed.key == "repeat.user_side"


def test_every_route_names_a_known_department_and_grade() -> None:
    for department, grade, _ in routing.ROUTES.values():
        assert department in routing.DEPARTMENTS and grade in "ABCDE"


def test_every_status_has_transitions_and_reasons_are_required() -> None:
    assert set(lifecycle.TRANSITIONS) == set(lifecycle.STATUSES)
    assert lifecycle.needs_reason("in_progress", "rejected")
    assert not lifecycle.needs_reason("verified", "closed")


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("NETCOMPLAINT_WO_TIME_ZONE", "Mars/Olympus"),
        ("NETCOMPLAINT_WO_GRADE_LIMITS", '{"A": "2h"}'),
        ("NETCOMPLAINT_WO_GRADE_LIMITS", '{"A":"2x","B":"1d","C":"2d","D":"3d","E":"5d"}'),
        ("NETCOMPLAINT_WO_WORK_END", "08:00"),
        ("NETCOMPLAINT_WO_WORKING_WEEKDAYS", "[0, 8]"),
        ("NETCOMPLAINT_WO_GRADES", '{"congestion": "Z"}'),
    ],
)
def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch, env: str, value: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ValidationError):
        WorkOrderSettings()
