"""KPI formulas: the expression language, NULL semantics and the TOML configuration."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from kpi_ingest.formulas import compile_formula, load_formulas, resolve_plan
from kpi_ingest.kpis import KPI_NAMES
from kpi_ingest.settings import IngestSettings, builtin_formulas_path
from netcomplaint.errors import ConfigurationError


class Env:
    def __init__(
        self,
        values: dict[str, float],
        pdfs: dict[str, list[float]] | None = None,
        period_s: int = 900,
    ) -> None:
        self.values, self.pdfs, self.period_s = values, pdfs or {}, period_s

    def value(self, name: str) -> float | None:
        return self.values.get(name)

    def pdf(self, name: str) -> Sequence[float] | None:
        return self.pdfs.get(name)


def ev(text: str, values: dict[str, float], **kw: object) -> float | None:
    return compile_formula(text).compiled(Env(values, **kw))  # type: ignore[arg-type]


def test_arithmetic_and_precedence() -> None:
    assert ev(
        "100 * RRC.ConnEstabSucc / RRC.ConnEstabAtt",
        {"RRC.ConnEstabSucc": 99, "RRC.ConnEstabAtt": 100},
    ) == pytest.approx(99.0)
    assert ev("1 + 2 * 3 - -4", {}) == 11
    assert ev("(1 + 2) * 3 / 4", {}) == pytest.approx(2.25)
    assert ev("1e3 / .5", {}) == 2000


def test_division_by_zero_and_missing_counters_are_null() -> None:
    assert ev("100 * a / b", {"a": 1, "b": 0}) is None
    assert ev("100 * a / b", {"a": 1}) is None
    assert ev("a + b", {"a": 1}) is None
    assert ev("-a", {}) is None
    assert ev("0 / b", {"b": 5}) == 0


def test_sum_coalesce_min_max() -> None:
    assert ev("sum(a, b, c)", {"a": 1, "c": 2}) == 3
    assert ev("sum(a, b)", {}) is None
    assert ev("coalesce(a, b, 7)", {"b": 2}) == 2
    assert ev("min(a, b)", {"a": 3, "b": 2}) == 2
    assert ev("max(a, b)", {"a": 3}) is None


def test_period_and_pdf_functions() -> None:
    assert ev("100 * (1 - down / period_s)", {"down": 90}) == pytest.approx(90.0)
    assert ev("100 * (1 - down / period_s)", {"down": 30}, period_s=300) == pytest.approx(90.0)
    assert ev("pdf_mean(CQI)", {}, pdfs={"CQI": [0, 0, 1, 3]}) == pytest.approx(2.75)
    assert ev("pdf_mean(CQI)", {}, pdfs={"CQI": [0, 0]}) is None
    assert ev("pdf_sum(CQI)", {}, pdfs={"CQI": [1, 2]}) == 3
    assert ev("pdf_mean(CQI)", {}) is None


def test_power_distribution_averaged_in_milliwatts() -> None:
    levels = "pdf_power_mean(P, -120, -100)"
    assert ev(levels, {}, pdfs={"P": [1.0, 1.0]}) == pytest.approx(-102.97, abs=0.01)
    assert ev(levels, {}, pdfs={"P": [5.0]}) == pytest.approx(-120.0)  # trailing bins left out
    assert ev(levels, {}, pdfs={"P": [1.0, 1.0, 1.0]}) is None  # a bin with no level
    assert ev(levels, {}, pdfs={"P": [0.0, 0.0]}) is None
    assert ev(levels, {}) is None
    for bad in ("pdf_power_mean(P)", "pdf_power_mean(P, x)", "pdf_power_mean(3, -1)"):
        with pytest.raises(ValueError, match="pdf_power_mean"):
            compile_formula(bad)


def test_names_with_dots_quotes_and_numbers() -> None:
    f = compile_formula("'SM.PduSessionCreationSucc.0011-0010' / `1526726658` + L.E.x_1")
    assert f.counters == {"SM.PduSessionCreationSucc.0011-0010", "1526726658", "L.E.x_1"}
    assert (
        f.compiled(
            Env(
                {
                    "SM.PduSessionCreationSucc.0011-0010": 10,
                    "1526726658": 4,
                    "L.E.x_1": 1,
                }
            )
        )
        == 3.5
    )


@pytest.mark.parametrize("bad", ["a +", "(a", "a b", "sum(a", "pdf_mean(1)", "a $ b", "", "1 2"])
def test_syntax_errors_name_the_position(bad: str) -> None:
    with pytest.raises(ValueError):
        compile_formula(bad)


def test_sub_counters_resolve_to_their_sum_unless_the_total_is_reported() -> None:
    names = [
        "RRC.ConnEstabAtt.mo-Data",
        "RRC.ConnEstabAtt.emergency",
        "RRC.ConnEstabAttX",
        "RRC.ConnEstabSucc",
        "RRC.ConnEstabSucc.mo-Data",
    ]
    plan = {
        n: (i, s)
        for n, i, s in resolve_plan(
            names, frozenset({"RRC.ConnEstabAtt", "RRC.ConnEstabSucc", "Missing"})
        )
    }
    assert plan["RRC.ConnEstabAtt"] == (None, (0, 1))  # not RRC.ConnEstabAttX
    assert plan["RRC.ConnEstabSucc"] == (3, (4,))
    assert "Missing" not in plan


def test_builtin_formulas_cover_every_kpi_with_28552_names_first() -> None:
    formulas = load_formulas(builtin_formulas_path())
    assert set(formulas.kpis) == set(KPI_NAMES)
    assert formulas.kpis["rrc_setup_sr_pct"][0].text == "100 * RRC.ConnEstabSucc / RRC.ConnEstabAtt"
    assert formulas.kpis["prb_util_dl_pct"][0].counters == {"RRU.PrbUsedDl", "RRU.PrbAvailDl"}
    assert "DRB.UEThpDl" in formulas.counters
    values = formulas.evaluate(Env({"RRU.PrbTotDl": 40.0, "DRB.UEThpDl": 25000}))
    assert values["prb_util_dl_pct"] == 40.0  # second candidate (32.425 LTE) used
    assert values["dl_user_thr_mbps"] == 25.0
    assert values["rrc_setup_sr_pct"] is None
    lte_drops = Env({"ERAB.RelActNbr": 3, "ERAB.EstabInitSuccNbr": 150})
    assert formulas.evaluate(lte_drops)["call_drop_rate_pct"] == pytest.approx(2.0)
    umts = formulas.evaluate(
        Env(
            {
                "RRC.AttConnEstab": 200,
                "RRC.SuccConnEstab": 196,
                "RAB.AttEstabCS": 50,
                "RAB.SuccEstabCS": 49,
                "RAB.AttEstabPS": 50,
                "RAB.SuccEstabPS": 50,
            }
        )
    )
    assert umts["rrc_setup_sr_pct"] == pytest.approx(98.0)
    assert umts["erab_setup_sr_pct"] == pytest.approx(99.0)
    ericsson_ul = [0.0] * 16
    ericsson_ul[4] = 30.0  # -118 < N+I <= -117
    noise = formulas.evaluate(Env({}, pdfs={"pmRadioRecInterferencePwr": ericsson_ul}))
    assert noise["ul_interference_dbm"] == pytest.approx(-117.5)


def test_builtin_formulas_read_ericsson_lte_and_nr_counters() -> None:
    formulas = load_formulas(builtin_formulas_path())
    lte = formulas.evaluate(
        Env(
            {
                "pmRrcConnEstabAtt": 1049,
                "pmRrcConnEstabAttReatt": 49,
                "pmRrcConnEstabSucc": 990,
                "pmErabRelAbnormalEnbAct": 3,
                "pmErabRelAbnormalMmeAct": 1,
                "pmErabRelAbnormalEnb": 4,
                "pmErabRelNormalEnb": 676,
                "pmErabRelMme": 320,
                "pmHoExeAttLteIntraF": 200,
                "pmHoExeSuccLteIntraF": 196,
                "pmPrbAvailDl": 90_000_000,
                "pmPrbUsedDlDtch": 60_000_000,
                "pmPrbUsedDlBcch": 900_000,
                "pmPrbUsedDlPcch": 270_000,
                "pmPrbUsedDlSrbFirstTrans": 330_000,
                "pmPdcpVolDlDrb": 1_100_000,
                "pmPdcpVolDlDrbLastTTI": 100_000,
                "pmUeThpTimeDl": 40_000,
            }
        )
    )
    assert lte["rrc_setup_sr_pct"] == pytest.approx(99.0)  # re-attempts are not new set-ups
    assert lte["call_drop_rate_pct"] == pytest.approx(0.4)  # 4 of 1,000 releases
    assert lte["ho_sr_pct"] == pytest.approx(98.0)
    assert lte["prb_util_dl_pct"] == pytest.approx(68.333, abs=1e-3)
    assert lte["dl_user_thr_mbps"] == pytest.approx(25.0)  # kbit/ms, the last TTIs left out
    nr = formulas.evaluate(
        Env(
            {
                "pmMacRBSymAvailDl": 1000,
                "pmMacRBSymUsedPdschTypeA": 700,
                "pmMacRBSymUsedPdcchTypeA": 50,
                "pmMacVolDlDrb": 1_000_000,  # bytes
                "pmMacTimeDlDrb": 320,  # 1/8 ms: 40 ms
                "pmEndcSetupUeAtt": 100,
                "pmEndcSetupUeSucc": 97,
                "pmEndcRelUeNormal": 95,
                "pmEndcRelUeAbnormalMenb": 3,
                "pmEndcRelUeAbnormalSgnb": 2,
                "pmEndcRelUeAbnormalSgnbAct": 2,
                "pmRrcConnLevelSumEnDc": 600,
                "pmRrcConnLevelSumSa": 120,
                "pmRrcConnLevelSamp": 180,
            }
        )
    )
    assert nr["prb_util_dl_pct"] == pytest.approx(75.0)
    assert nr["dl_user_thr_mbps"] == pytest.approx(200.0)  # 8 Mbit in 40 ms
    assert nr["erab_setup_sr_pct"] == pytest.approx(97.0)
    assert nr["call_drop_rate_pct"] == pytest.approx(2.0)
    assert nr["rrc_users_avg"] == pytest.approx(4.0)


def test_user_file_replaces_or_extends_the_builtin(tmp_path: Path) -> None:
    own = tmp_path / "f.toml"
    own.write_text('[kpis]\nrrc_setup_sr_pct = "100 * VS.RRC.Succ / VS.RRC.Att"\n')
    formulas = load_formulas(own, builtin_formulas_path())
    assert list(formulas.kpis) == ["rrc_setup_sr_pct"]
    own.write_text(
        "[options]\ninclude_builtin = true\n[kpis]\n"
        'rrc_setup_sr_pct = ["100 * VS.RRC.Succ / VS.RRC.Att"]\n'
    )
    formulas = load_formulas(own, builtin_formulas_path())
    texts = [f.text for f in formulas.kpis["rrc_setup_sr_pct"]]
    assert texts[0] == "100 * VS.RRC.Succ / VS.RRC.Att" and len(texts) > 1
    assert set(formulas.kpis) == set(KPI_NAMES)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("kpis = [", "not valid TOML"),
        ("[other]\nx = 1\n", "needs a \\[kpis\\] table"),
        ('[kpis]\nspeed = "a / b"\n', "not a canonical KPI"),
        ('[kpis]\navg_cqi = "a / "\n', "avg_cqi"),
        ("[kpis]\navg_cqi = 3\n", "must be a formula"),
    ],
)
def test_bad_formula_files_are_configuration_errors(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "f.toml"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=reason):
        load_formulas(path)


def test_formula_path_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert IngestSettings().formulas_path() == builtin_formulas_path()
    monkeypatch.setenv("NETCOMPLAINT_KPI_FORMULAS", str(tmp_path / "x.toml"))
    assert IngestSettings().formulas_path() == tmp_path / "x.toml"
    with pytest.raises(ConfigurationError, match="cannot read KPI formula file"):
        load_formulas(IngestSettings().formulas_path())
