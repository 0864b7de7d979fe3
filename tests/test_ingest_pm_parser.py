"""The 3GPP PM XML parser on the real files in ../shared/data/real/pm and on crafted edge cases."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from kpi_ingest.compressed import open_binary
from kpi_ingest.pm.ldn import CellRule
from kpi_ingest.pm.parser import MeasValue, PmParser
from kpi_ingest.pm.times import parse_duration_s, parse_pm_time, period_start
from kpi_ingest.settings import IngestSettings
from netcomplaint.errors import ConfigurationError, FileFormatError

NS = "http://www.3gpp.org/ftp/specs/archive/32_series/32.435#measCollec"

# Every XML file in the shared PM folder: None = loads; text = part of the rejection reason.
REAL_PM = {
    "bodastage-measdatacollection/A1.xml": None,
    "bodastage-measdatacollection/A3.xml": None,
    "bodastage-measdatacollection/A4.xml": None,
    "bodastage-measdatacollection/pm.xml": None,
    "onap-kpi-ms/RAN.xml": None,
    "onap-pm-mapper/28.550_meas_type_and_r_test.xml": None,
    "onap-pm-mapper/A20181002.0000-1000-0015-1000_5G.xml": None,
    "onap-pm-mapper/A20181002.0000-1000-0015-1000_5G.xml.gz": None,
    "onap-pm-mapper/C20190328.0000-0015.xml": None,
    "onap-pm-mapper/C20190329.0000-0015.xml.gz": None,
    "onap-pm-mapper/PM202007171301+020024C202007171207+0200-1215+0200_45678.xml": None,
    "oransc-sim-o1/pm-bulk-a2.xml": None,
    "oransc-sim-o1/pm-bulk-a3.xml": "measTypes lists 5 counters but measResults has 4",
}


def parse_path(path: Path, zone: timezone = UTC) -> tuple[PmParser, list[MeasValue]]:
    with open_binary(path) as stream:
        parser = PmParser(stream, str(path), zone)
        return parser, list(parser.values())


def parse_text(xml: str, zone: timezone = UTC) -> tuple[PmParser, list[MeasValue]]:
    parser = PmParser(io.BytesIO(xml.encode()), "mem.xml", zone)
    return parser, list(parser.values())


def test_every_real_pm_file_is_listed(real_data: Path) -> None:
    found = {
        str(p.relative_to(real_data / "pm"))
        for p in (real_data / "pm").rglob("*")
        if p.name.endswith((".xml", ".xml.gz"))
    }
    assert found == set(REAL_PM)


@pytest.mark.parametrize("name", sorted(REAL_PM))
def test_real_pm_file_loads_or_is_rejected_clearly(real_data: Path, name: str) -> None:
    path = real_data / "pm" / name
    expected = REAL_PM[name]
    if expected is None:
        parser, values = parse_path(path)
        assert parser.header is not None
        assert values and parser.counter_values > 0
        for value in values:
            assert len(value.values) == len(value.info.counters)
            assert value.info.period_s > 0 and value.info.end.tzinfo is not None
    else:
        with pytest.raises(FileFormatError, match=expected) as caught:
            parse_path(path)
        assert name.rsplit("/", 1)[-1] in caught.value.message  # names the file and line


def test_measresults_layout_with_wrapped_lists_and_suspect(real_data: Path) -> None:
    _, values = parse_path(real_data / "pm/bodastage-measdatacollection/A1.xml")
    assert values[0].info.counters == (
        "attTCHSeizures",
        "succTCHSeizures",
        "attImmediateAssignProcs",
        "succImmediateAssignProcs",
    )
    assert values[0].values == [234.0, 345.0, 567.0, 789.0]
    assert [v.suspect for v in values] == [False, False, True]
    assert values[0].info.element_dn.endswith("ManagedElement=RNC-Gbg-1")


def test_sparse_r_elements_leave_gaps(real_data: Path) -> None:
    _, values = parse_path(real_data / "pm/bodastage-measdatacollection/A4.xml")
    assert values[0].values == [234.0, 345.0, None, 789.0]
    assert values[2].values == [None, 567.0, 678.0, 789.0]


def test_array_counter_and_sub_counter_names_stay_names(real_data: Path) -> None:
    parser, values = parse_path(
        real_data / "pm/onap-pm-mapper/A20181002.0000-1000-0015-1000_5G.xml.gz"
    )
    enb = next(v for v in values if v.ldn.endswith("ENodeBFunction=1"))
    assert enb.arrays == {"succTCHSeizures2": [86.0, 87.0, 2.0, 6.0, 77.0, 96.0, 75.0, 33.0, 24.0]}
    assert enb.values[1] is None and not parser.problems
    _, ran = parse_path(real_data / "pm/onap-kpi-ms/RAN.xml")
    assert ran[0].info.counters == (
        "SM.PduSessionCreationSucc.0011-0010",
        "SM.PduSessionCreationReq.0011-0010",
        "SM.PduSessionCreationFail.0",
    )
    assert ran[0].ldn == "10896"


def test_several_measdata_blocks_with_mixed_granularity(real_data: Path) -> None:
    for name in ("C20190328.0000-0015.xml", "C20190329.0000-0015.xml.gz"):
        _, values = parse_path(real_data / "pm/onap-pm-mapper" / name)
        assert [v.info.period_s for v in values] == [100, 200, 300]
        assert [v.info.element_dn for v in values] == ["Dublin1", "Dublin2", "Dublin3"]
        assert values[2].values == [3.0, 33.0, 333.0, 3333.0]


def test_28550_variant_and_28532_measdatafile(real_data: Path) -> None:
    parser, values = parse_path(real_data / "pm/onap-pm-mapper/28.550_meas_type_and_r_test.xml")
    assert parser.header is not None and parser.header.root == "MeasDataFile"
    assert parser.header.begin == datetime(2018, 10, 2, 11, 0, tzinfo=UTC)
    assert values[0].values == [86.0, 67.0, 14.0] and values[0].info.element_dn == "Dublin"
    name = "PM202007171301+020024C202007171207+0200-1215+0200_45678.xml"
    parser, values = parse_path(real_data / "pm/onap-pm-mapper" / name)
    assert parser.header is not None and parser.header.root == "measDataFile"
    assert len(values) == 7


def test_placeholder_values_are_reported_not_crashed(real_data: Path) -> None:
    parser, values = parse_path(real_data / "pm/bodastage-measdatacollection/pm.xml")
    assert values[0].info.period_s == 60  # PT1M
    assert values[0].values[:4] == [6.0, 360.0, 1.0, 360.0]
    assert [(p.counter, p.line) for p in parser.problems] == [("...", 21)]


def test_no_offset_uses_the_given_zone(real_data: Path) -> None:
    zone = timezone(timedelta(hours=8))
    _, values = parse_path(real_data / "pm/onap-kpi-ms/RAN.xml", zone)
    assert values[0].info.end == datetime(2021, 1, 15, 5, 46, 30, 387000, tzinfo=zone)


def _doc(body: str, *, footer: bool = True, prolog: str = "") -> str:
    foot = '<fileFooter><measCollec endTime="2024-05-01T10:15:00Z"/></fileFooter>' if footer else ""
    return (
        f'<?xml version="1.0"?>{prolog}<measCollecFile xmlns="{NS}">'
        '<fileHeader fileFormatVersion="32.435 V10.0" vendorName="T">'
        '<measCollec beginTime="2024-05-01T10:00:00Z"/></fileHeader>'
        f'<measData><managedElement localDn="ManagedElement=E1"/>{body}</measData>{foot}'
        "</measCollecFile>"
    )


def _info(types: str, values: str, end: str = "2024-05-01T10:15:00Z") -> str:
    return f'<measInfo><granPeriod duration="PT900S" endTime="{end}"/>{types}{values}</measInfo>'


def test_nil_empty_and_bad_values() -> None:
    types = "".join(f'<measType p="{i}">C.{i}</measType>' for i in range(1, 6))
    values = (
        '<measValue measObjLdn="X=1,EUtranCellFDD=1"><r p="1">NIL</r><r p="2"></r>'
        '<r p="3"/><r p="4">abc</r><r p="5">1e400</r></measValue>'
    )
    parser, got = parse_text(_doc(_info(types, values), footer=False, prolog="<!-- c --><?pi x?>"))
    assert got[0].values == [None] * 5
    assert [p.counter for p in parser.problems] == ["C.4", "C.5"]


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        ("2024-05-01T12:15:00+02:00", datetime(2024, 5, 1, 10, 15, tzinfo=UTC)),
        ("2024-05-01T12:15:00+0200", datetime(2024, 5, 1, 10, 15, tzinfo=UTC)),
        ("2024-05-01T12:15:00+02", datetime(2024, 5, 1, 10, 15, tzinfo=UTC)),
        ("2024-05-01T10:15:00z", datetime(2024, 5, 1, 10, 15, tzinfo=UTC)),
        ("2024-05-01 05:15:00.000-05:00", datetime(2024, 5, 1, 10, 15, tzinfo=UTC)),
        ("2024-05-01T10:15:00", datetime(2024, 5, 1, 10, 15, tzinfo=UTC)),
    ],
)
def test_time_offset_spellings(end: str, expected: datetime) -> None:
    assert parse_pm_time(end, UTC) == expected


def test_bad_times_and_durations() -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 timestamp"):
        parse_pm_time("01/05/2024 10:00", UTC)
    assert [parse_duration_s(d) for d in ("PT900S", "PT15M", "PT1H", "P1D", "900")] == [
        900,
        900,
        3600,
        86400,
        900,
    ]
    for bad in ("PT", "15 minutes", "PT0S"):
        with pytest.raises(ValueError):
            parse_duration_s(bad)
    types = '<measType p="1">a</measType>'
    xml = _doc(
        '<measInfo><granPeriod duration="soon" endTime="2024-05-01T10:15:00Z"/>'
        f'{types}<measValue measObjLdn="x"><r p="1">1</r></measValue></measInfo>'
    )
    with pytest.raises(FileFormatError, match="granPeriod: not an ISO 8601 duration"):
        parse_text(xml)


def test_period_start_snaps_to_the_local_grid() -> None:
    plus2 = timezone(timedelta(hours=2))
    end = datetime(2000, 3, 1, 14, 14, 30, tzinfo=plus2)
    assert period_start(end, 900, 60) == datetime(2000, 3, 1, 14, 0, tzinfo=plus2)
    assert period_start(end, 900, 0) == datetime(2000, 3, 1, 13, 59, 30, tzinfo=plus2)
    india = timezone(timedelta(hours=5, minutes=30))
    hour_end = datetime(2024, 1, 1, 11, 0, 20, tzinfo=india)
    assert period_start(hour_end, 3600, 60) == datetime(2024, 1, 1, 10, 0, tzinfo=india)


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        ("<measCollecFile><fileHeader>", "not well-formed XML"),
        ("<html><body/></html>", "root element is html"),
        ("", "not well-formed XML"),
        (
            _doc(
                _info(
                    '<measType p="1">a</measType>',
                    '<measValue measObjLdn="x"><r p="2">1</r></measValue>',
                )
            ),
            "has no measType",
        ),
        (
            _doc(_info('<measType p="1">a</measType><measType p="1">b</measType>', "")),
            "declared twice",
        ),
        (
            _doc(
                _info(
                    "<measTypes>a b</measTypes>",
                    '<measValue measObjLdn="x"><measResults>1</measResults></measValue>',
                )
            ),
            "measTypes lists 2 counters but measResults has 1",
        ),
        (
            _doc(
                '<measInfo><measTypes>a</measTypes><measValue measObjLdn="x"><measResults>1'
                "</measResults></measValue></measInfo>"
            ),
            "no granPeriod",
        ),
    ],
)
def test_damaged_files_are_rejected_with_a_reason(xml: str, reason: str) -> None:
    with pytest.raises(FileFormatError, match=reason):
        parse_text(xml)


def test_corrupt_and_truncated_gzip_are_reported(tmp_path: Path, real_data: Path) -> None:
    good = (real_data / "pm/onap-pm-mapper/A20181002.0000-1000-0015-1000_5G.xml.gz").read_bytes()
    truncated = tmp_path / "t.xml.gz"
    truncated.write_bytes(good[: len(good) // 2])
    corrupt = tmp_path / "c.xml.gz"
    corrupt.write_bytes(good[:300] + bytes(300) + good[600:])
    for path in (truncated, corrupt):
        with pytest.raises(FileFormatError, match="corrupt or truncated gzip"):
            parse_path(path)


def test_cell_rule() -> None:
    rule = CellRule(IngestSettings().cell_classes())
    assert rule.cell_id("", "ManagedElement=X,ENodeBFunction=1,EUtranCellFDD=3") == "3"
    assert rule.cell_id("ManagedElement=RNC1", "RncFunction=RF-1,UtranCell=Gbg-997") == "Gbg-997"
    assert rule.cell_id("cucp", "10896") == "10896"
    assert rule.cell_id("E", "ManagedElement=X,Equipment=1,Port=A") is None
    assert rule.cell_id("NodeName", "") is None
    huawei = (  # M2000/U2000: the cell's name is an attribute of the LDN, matching the cell list
        "JUR01/Cell:eNodeB Function Name=JUR01, Local Cell ID=0, Cell Name=JUR01_L08_1, "
        "eNodeB ID=410001, Cell FDD TDD indication=CELL_FDD"
    )
    assert rule.cell_id("JUR01", huawei) == "JUR01_L08_1"
    named = CellRule(IngestSettings().cell_classes(), "{ManagedElement}-{cell}")
    assert named.cell_id("", "ManagedElement=X,ENodeBFunction=1,EUtranCellFDD=3") == "X-3"
    assert named.cell_id("SubNetwork=1,ManagedElement=Y", "NRCellDU=7") == "Y-7"
    with pytest.raises(ValueError, match="needs 'ManagedElement'"):
        named.cell_id("", "NRCellDU=7")
    bare_off = CellRule(IngestSettings().cell_classes(), bare_is_cell=False)
    assert bare_off.cell_id("cucp", "10896") is None
    with pytest.raises(ConfigurationError):
        CellRule(frozenset({"cell"}), "no fields")
