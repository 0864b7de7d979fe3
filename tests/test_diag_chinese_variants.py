"""Descriptions in Traditional characters, Cantonese and Taiwanese usage (Hong Kong, Macau and
Taiwan complaint centres, visitors' messages): read as the simplified Mandarin the phrase tables
are written in, for the symptom and for what the text says about others, places and times."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from diagnostics.chinese import plain, writes_traditional
from diagnostics.description import (
    stated_everywhere,
    stated_floor,
    stated_neighbours,
    stated_occasional,
    stated_time_of_day,
)
from diagnostics.symptoms import infer_symptom
from netcomplaint.cli import app
from tests import test_diag_factories as f

runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        # Cantonese, as Hong Kong customers write it
        ("屋企冇訊號", "no_signal"),
        ("打唔通電話", "cannot_call"),
        ("電話打唔出", "cannot_call"),
        ("打出去冇聲", "cannot_call"),
        ("收唔到電話", "cannot_receive"),
        ("接唔到電話", "cannot_receive"),
        ("上唔到網", "no_data"),
        ("在港鐵站冇得上網", "no_data"),
        ("講兩句就斷線", "call_drop"),
        ("成日斷線", "call_drop"),
        ("啲網好鬼慢", "slow_data"),
        ("睇片好卡", "slow_data"),
        ("流動數據好慢", "slow_data"),
        ("收得好差", "weak_signal"),
        ("聽唔清楚", "poor_voice"),
        ("收唔到短訊", "sms_failure"),
        ("有 4G 但 load 唔到嘢", "no_data"),
        ("睇片成日 loading", "slow_data"),
        ("啲電話完全打唔入嚟", "cannot_receive"),
        ("屋企人話打極都打唔入嚟", "cannot_receive"),
        ("開個網頁都要等好耐", "slow_data"),
        ("打唔到 call", "cannot_call"),
        ("call 唔出", "cannot_call"),
        ("打唔通", "cannot_call"),
        # formal Traditional Chinese and Taiwanese usage
        ("訊號很差", "weak_signal"),
        ("收訊很差", "weak_signal"),
        ("只有一兩格訊號", "weak_signal"),
        ("完全沒有訊號", "no_signal"),
        ("手機一直顯示無服務", "no_signal"),
        ("通話中斷", "call_drop"),
        ("無法撥出", "cannot_call"),
        ("網路很慢", "slow_data"),
        ("無法上網", "no_data"),
        ("簡訊傳不出去", "sms_failure"),
        ("通話斷斷續續", "poor_voice"),
        # mixed with English
        ("個 signal 好差", "weak_signal"),
        ("call 成日 drop", "call_drop"),
    ],
)
def test_symptom_of_traditional_and_cantonese_text(text: str, symptom: str) -> None:
    assert infer_symptom(text) == symptom


def test_plain_text_is_simplified_mandarin_and_english_is_untouched() -> None:
    assert plain("屋企冇訊號，隔籬鄰居都係咁") == "家里没有信号，隔壁邻居都是这样"
    assert plain("Calls DROP at Home") == "calls drop at home"
    assert plain("家里信号不好，只有一两格") == "家里信号不好，只有一两格"  # simplified stays


def test_others_places_floor_and_frequency_in_cantonese() -> None:
    assert stated_neighbours("隔籬鄰居都係咁") == "yes"
    assert stated_neighbours("屋企人都一樣") == "yes"
    assert stated_neighbours("其他人都正常，只有我") == "no"
    assert stated_everywhere("去邊度都係咁") is True
    assert stated_floor("住喺32樓") == 32
    assert stated_occasional("間中先會斷") is True


def test_who_writes_traditional() -> None:
    assert writes_traditional("屋企冇訊號") and writes_traditional("喺旺角花園街，load 唔到嘢")
    assert not writes_traditional("家里信号不好，只有一两格")
    assert not writes_traditional("the signal is bad") and not writes_traditional(None)


def test_time_of_day_in_cantonese() -> None:
    called = datetime.fromisoformat("2026-11-02T10:00:00+08:00")
    evening = stated_time_of_day("晚黑先至冇訊號", called)
    assert evening is not None and 17 <= evening[0].hour <= 19


def test_cantonese_complaint_without_symptom_through_the_cli(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    path = tmp_path / "c.json"
    complaint = f.complaint(
        "HK1", *t.place, None, t.now, description="屋企成日收唔到電話，隔籬鄰居都係咁"
    )
    path.write_text(json.dumps(complaint, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["diagnose", str(path)])
    assert result.exit_code == 0, result.output
    diagnosis = json.loads(result.stdout)["diagnosis"]
    evidence = {e["check"]: e for e in diagnosis["evidence"]}
    assert evidence["neighbours_affected"]["finding"] == "abnormal"
    # the reply to read out is written as the customer writes: Traditional characters
    zh = diagnosis["reply_script"]["zh"]
    assert writes_traditional(zh) and plain(zh) != zh, zh
    stored = conn.execute(
        "SELECT symptom, symptom_inferred, description FROM complaints WHERE external_id = 'HK1'"
    ).fetchone()
    assert stored == ("cannot_receive", True, "屋企成日收唔到電話，隔籬鄰居都係咁")
