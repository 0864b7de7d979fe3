"""Symptom inference from free text: the handbook's keywords, more phrasings, clauses that say
what works, the (topic, problem) fallback of ``symptom_words``, and a complaint without a symptom
through the CLI.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from diagnostics.description import (
    stated_everywhere,
    stated_floor,
    stated_neighbours,
    stated_occasional,
)
from diagnostics.symptom_words import composed_symptom
from diagnostics.symptoms import infer_symptom, phrase_rules, phrase_scores, symptom_scores
from netcomplaint.cli import app
from scenario.texts import PHRASES
from tests import test_diag_factories as f

runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("家里信号不好，只有一两格", "weak_signal"),
        ("用户来电反映信号有时没有有时一两格", "weak_signal"),
        ("打电话断断续续，听不清楚", "poor_voice"),
        ("电话打不出去，无任何提示音", "cannot_call"),
        ("手机显示无服务", "no_signal"),
        ("朋友说打我电话是关机，接不到电话", "cannot_receive"),
        ("通话中突然断了，掉话", "call_drop"),
        ("晚上上网特别慢，网速慢", "slow_data"),
        ("移动数据用不了，无法上网", "no_data"),
        ("收不到短信验证码", "sms_failure"),
        ("在国外漫游打不了电话", "roaming_failure"),
        ("calls keep dropping", "call_drop"),
        ("the voice is choppy and I can't hear them", "poor_voice"),
        ("no signal at home", "no_signal"),
        ("only one bar, weak signal indoors", "weak_signal"),
        ("I can't make calls since this morning", "cannot_call"),
        ("nobody can call me", "cannot_receive"),
        ("videos keep buffering, internet is very slow", "slow_data"),
        ("mobile data not working", "no_data"),
        ("SMS arrive hours late", "sms_failure"),
        ("no service when roaming abroad", "roaming_failure"),
        # American and Singaporean English (generators 25, 26)
        ("the line keep cut off one", "call_drop"),
        ("dropped 3 times on I-55 by the Lexington exit", "call_drop"),
        ("lost my call between Pontiac and Chenoa AGAIN", "call_drop"),
        ("line totally dead since 7pm", "no_signal"),
        ("basement office has 0 signal", "no_signal"),
        ("new phone, same old sim, nothing works anywhere, wifi only", "no_signal"),
        ("data keep hang until i restart phone", "no_data"),
        ("dorm internet on my phone is trash rn", "slow_data"),
        ("signal seems lower than before?", "weak_signal"),
        ("people say my phone goes right to voicemail, outgoing works", "cannot_receive"),
        ("Phone quit making calls. Still get texts and facebook loads", "cannot_call"),
        # 掉线 of a call is a drop, of the internet no data (gen 27)
        ("打电话经常掉线，对方讲嘢断断续续", "call_drop"),
        ("上网经常掉线", "no_data"),
        ("wifi热点掉线", "no_data"),
        # Australian (gen 28): message bank is voicemail, drop outs are cuts, arvo is afternoon
        ("calls go straight to message bank", "cannot_receive"),
        ("constant drop outs all arvo", "call_drop"),
        ("the signal keeps dropping out at home", "call_drop"),
        ("internet keeps dropping out", "no_data"),
    ],
)
def test_handbook_keywords(text: str, symptom: str) -> None:
    assert infer_symptom(text) == symptom


@pytest.mark.parametrize("text", ["", "   ", "the weather is nice", "你好", None])
def test_no_symptom_in_text(text: str | None) -> None:
    assert infer_symptom(text) is None


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("打不通电话", "cannot_call"),
        ("拨号后没有反应", "cannot_call"),
        ("朋友说打我电话是关机", "cannot_receive"),
        ("对方听不到我说话", "poor_voice"),
        ("通话质量很差，卡顿", "poor_voice"),  # 卡顿 alone would be slow data
        ("打电话断断续续", "poor_voice"),  # not a drop, though 断 follows 电话
        ("通话声音时断时续", "poor_voice"),
        ("通话中突然断了", "call_drop"),
        ("网络很卡", "slow_data"),
        ("晚上上网特别慢", "slow_data"),
        ("数据连接不上", "no_data"),
        ("一点信号都没有", "no_signal"),
        ("家里只有2G信号", "weak_signal"),
        ("到外地后打不了电话也上不了网", "roaming_failure"),
        ("I can't get any bars at home", "no_signal"),
        ("the phone says SOS only", "no_signal"),
        ("手机只能打紧急电话", "no_signal"),  # 只能 here is no sign that something works
        ("手机只能打紧急电话，到哪里都这样，我住在25楼", "no_signal"),
        ("I can only make emergency calls", "no_signal"),
        ("phone keeps losing signal", "no_signal"),
        ("the phone just says searching", "no_signal"),
        ("searching the web is painfully slow", "slow_data"),
        ("屏幕上一直是个叉", "no_signal"),
        ("信号在4G和3G之间来回跳", "weak_signal"),
        ("the bars go up and down all day", "weak_signal"),
        ("聊着聊着就自己挂了", "call_drop"),
        ("有信号没网", "no_data"),
        ("my sister says my phone was switched off all evening", "cannot_receive"),
        ("speed test shows 0.8 Mbps in the evening", "slow_data"),
        ("刷视频一直转圈", "slow_data"),
        ("打开网页要等很久", "slow_data"),
        ("测速只有2M左右", "slow_data"),
        ("什么网页都打不开，一直转圈", "no_data"),
        ("家人打给我听到的是您拨打的用户暂时无法接通", "cannot_receive"),  # what callers hear
        ("朋友打我电话提示已关机，可我手机开着", "cannot_receive"),
        ("callers get a 'not reachable' message", "cannot_receive"),
        ("I can't place calls, it never rings on the other side", "cannot_call"),
        ("the call just ends by itself in the middle", "call_drop"),
        ("my reception keeps jumping up and down", "weak_signal"),
        ("no servce at all, not even one bar", "no_signal"),
        ("waiting for a one-time code for 15 minutes", "sms_failure"),
        ("just landed in New York and the phone is a brick", "roaming_failure"),
        ("the signal icon shows an X", "no_signal"),
        ("格子老是跳，一会儿满一会儿没", "weak_signal"),
        ("reception is so feeble in the kitchen", "weak_signal"),
        ("calls drop after about a minute", "call_drop"),
        ("the phone goes dead mid conversation", "call_drop"),
        ("her voice keeps cutting in and out", "poor_voice"),
        ("I dial and nothing happens", "cannot_call"),
        ("the call ends without ringing", "cannot_call"),
        ("clients can't get through to him", "cannot_receive"),
        ("speeds worse than dial-up", "slow_data"),
        ("浏览器显示无法访问此网站", "no_data"),
        ("网页打不开，很卡", "slow_data"),  # pages not opening alone: slow or none, the rest tells
        ("mobile data is completely unusable", "no_data"),
        ("on holiday in Spain and the phone won't work", "roaming_failure"),
        ("no 5G signal in my street", "weak_signal"),
        ("my calls keep cutting out", "call_drop"),
        ("the other side says my voice breaks up", "poor_voice"),
        ("call quality is terrible", "poor_voice"),
        ("outgoing calls always fail", "cannot_call"),
        ("goes straight to voicemail, I never get the call", "cannot_receive"),
        ("short messages fail", "sms_failure"),
        ("pages take forever to load", "slow_data"),
        ("4G icon shows but nothing loads", "no_data"),
        ("can't call or use data abroad", "roaming_failure"),
        ("别人手机都显示5G，我的只有4G。", "slow_data"),
        ("my phone only shows 4G while my wife gets 5G", "slow_data"),
        ("on the holiday the network was unusable, payment QR codes wouldn't load", "no_data"),
        ("in the campus dorms the mobile internet is unusable in the evening", "no_data"),
        # "phone" and "ring" as verbs; "it shows signal" says what works, not no_signal
        ("My mum's phone can't phone anyone any more, it shows signal.", "cannot_call"),
        ("couldn't ring my husband from the flat", "cannot_call"),
    ],
)
def test_phrases(text: str, symptom: str) -> None:
    assert infer_symptom(text) == symptom


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("公司里打不出电话，收短信正常", "cannot_call"),
        ("只能打电话发短信，上网一点都不行", "no_data"),
        ("can call and text but the internet doesn't work", "no_data"),
        ("I can't dial out, incoming calls are fine", "cannot_call"),
        ("短信发不出去，打电话正常", "sms_failure"),
        ("SMS fine but calls won't go through", "cannot_call"),
        ("I can't dial out, incoming works tho", "cannot_call"),
        ("every time I dial out it hangs up. internet works, texts work", "cannot_call"),
        ("no service at all, I thought it would work abroad", "roaming_failure"),  # no "works"
        ("短信没问题，就是网速慢", "slow_data"),  # the 没 of 没问题 is no complaint
        ("别人打我能接，就是我打出去总是忙音", "cannot_call"),
        ("I can call out fine, but nobody can call me, texts are ok", "cannot_receive"),
        ("texts are no problem but calls won't go through", "cannot_call"),
    ],
)
def test_clauses_saying_what_works_are_not_the_complaint(text: str, symptom: str) -> None:
    assert infer_symptom(text) == symptom


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("没信号了，打不了电话也上不了网", "no_signal"),  # the root of the other two
        ("no service, so I can't call or get online", "no_signal"),
        ("在泰国打不了电话", "roaming_failure"),
        ("callers say my number is unreachable", "cannot_receive"),
        ("家人打我电话说无法接通", "cannot_receive"),
    ],
)
def test_the_root_symptom_wins(text: str, symptom: str) -> None:
    assert infer_symptom(text) == symptom


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        # agents' shorthand and Hinglish, as Indian complaint centres type them
        ("no n/w in flat, cx irritated", "no_signal"),
        ("net not working at all, signal full", "no_data"),
        ("cx says voice breaking during calls", "poor_voice"),
        ("call getting cut in between", "call_drop"),
        ("call milata hoon to kat jata hai", "call_drop"),
        ("awaaz kat kat ke aa rahi hai", "poor_voice"),
        ("network nahi aa raha ghar pe", "no_signal"),
        # "the network" and nothing more: the weakest reading, not a refusal
        ("network issue pls resolve", "weak_signal"),
        ("cx unhappy with network, pls chk", "weak_signal"),
        ("网络有问题", "weak_signal"),
        ("network issue, internet very slow", "slow_data"),  # anything said outweighs it
    ],
)
def test_shorthand_and_a_bare_network_complaint(text: str, symptom: str) -> None:
    assert infer_symptom(text) == symptom


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("微信发个图片要半天", "slow_data"),
        ("抖音一直在缓冲", "slow_data"),
        ("手机经常显示无网络", "no_signal"),
        ("信号时好时坏", "weak_signal"),
        ("打电话的时候经常自己挂断", "call_drop"),
        ("无法呼出电话", "cannot_call"),
        ("打电话有回声", "poor_voice"),
        ("my phone has no reception in the kitchen", "no_signal"),
        ("reception upstairs is pretty awful", "weak_signal"),
        ("my calls disconnect randomly", "call_drop"),
        ("I hear crackling during calls", "poor_voice"),
        ("every call I make fails immediately", "cannot_call"),
        ("download speed is terrible", "slow_data"),
        ("mobile data stopped working", "no_data"),
        ("reception is awful here, no way to use it", "weak_signal"),  # weak before "no"
        ("the apps on my phone are useless in the evening", "no_data"),
        ("9月30日中午1点左右在府青路望江家园信号不太好。", "weak_signal"),
        ("9月30日中午1点半在四川大学华西校区打电话不清楚。", "poor_voice"),
        ("I live on floor 29, signal at home comes and goes, downstairs it's fine.", "weak_signal"),
        ("nobody around near the metro station has any signal", "no_signal"),
    ],
)
def test_topic_and_problem_when_no_phrase_matches(text: str, symptom: str) -> None:
    assert symptom_scores(text) == {}  # no known phrase: the fallback decides
    assert composed_symptom(text) == symptom
    assert infer_symptom(text) == symptom


@pytest.mark.parametrize(
    "text", ["please call me back", "我要投诉", "账单有问题", "I want to change my plan", "hello"]
)
def test_a_topic_without_a_problem_is_no_symptom(text: str) -> None:
    assert infer_symptom(text) is None


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        # the way a Sichuan county's subscribers put it (spaces between clauses, dialect)
        ("打电话总是自己断掉 在外面也一样 别人都没问题就我一个 急死人了", "call_drop"),
        ("偶尔，信号差得很 有时候会这样 在其他地方没问题", "weak_signal"),
        ("从今天早上七点左右开始说两句就断了，旁边的人都打得通", "call_drop"),
        ("今天下午四点左右我妈的手机电话打着打着就掉了", "call_drop"),
        ("我家老人的手机信号栏上面打了个叉", "no_signal"),
        ("这段时间一直信号一会儿有一会儿莫得", "weak_signal"),
        ("隔不了多久就到这里手机就不能用了，周围邻居都一样", "no_signal"),
        ("凌晨两点左右上网上不起", "no_data"),
        ("微信发个图片都发不出去，一直转", "no_data"),
        ("我屋头打王者卡得要死", "slow_data"),
        ("【信号问题】用户表示在四组数据业务速率低", "slow_data"),
        ("我爸那个手机别人打他说关机 一起的人手机都是好的", "cannot_receive"),
        ("别人给我打电话一直打不通", "cannot_receive"),
        ("被叫不通", "cannot_receive"),
        ("我打别人打不通", "cannot_call"),
        # Indian English
        ("signl very weak in our shop, have to go to balcony to talk", "weak_signal"),
        ("n/w not coming near rajajinagar. my old nokia phone pls check", "no_signal"),
        ("my sim not working here in bangalore", "no_signal"),
        ("internet not coming since morning", "no_data"),
        # plain English of a European operator's customers
        ("the network is gone", "no_signal"),
        ("A call was interrupted", "call_drop"),
        ("the voice was a little metallic", "poor_voice"),
        ("Lost all bars at home", "no_signal"),
        ("zero signal since 1pm", "no_signal"),
        ("the data basically stops", "no_data"),
        ("网很慢", "slow_data"),
        ("大雁塔这边人太多了根本刷不出来", "slow_data"),
        ("打电话对方说我吞字", "poor_voice"),
        # British English, typos and all (West Sussex)
        (
            "signal bars full in kingsway but calls break up and internet barely works",
            "poor_voice",
        ),  # "barely works" doesn't say it works
        ("Please put a mast near Highbrook, we get no signel at all", "no_signal"),
        ("had a weird blip with my phone in Patcham earlier, all ok now i think", "weak_signal"),
        ("the page is not loading", "no_data"),
        ("apps keep loading forever", "slow_data"),
        ("国内亲戚也打不通他们", "cannot_receive"),
    ],
)
def test_phrases_of_independent_scenarios(text: str, symptom: str) -> None:
    """Descriptions that independently written scenarios rejected as saying no symptom."""
    assert infer_symptom(text) == symptom


def test_every_phrase_the_scenarios_write_is_understood() -> None:
    """What the scenario generator's complainants say must infer the symptom it stands for: a
    blank symptom column would otherwise get the complaint refused."""
    wrong = {
        text: infer_symptom(text)
        for symptom, (zh, en) in PHRASES.items()
        for text in (*zh, *en)
        if infer_symptom(text) != symptom
    }
    assert wrong == {}


def test_complaint_without_symptom_is_diagnosed_through_the_cli(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    path = tmp_path / "c.json"
    complaint = f.complaint("NOSYM", *t.place, None, t.now, description="刷视频一直转圈，很烦")
    path.write_text(json.dumps(complaint, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["diagnose", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["diagnosis"]["primary_cause"]
    stored = conn.execute(
        "SELECT symptom, symptom_inferred FROM complaints WHERE external_id = 'NOSYM'"
    ).fetchone()
    assert stored == ("slow_data", True)


@pytest.mark.parametrize(
    ("text", "neighbours", "everywhere"),
    [
        ("周围用户也一样", "yes", None),
        ("我妈的手机也一样", "yes", None),
        ("别人的手机都正常", "no", None),
        ("my neighbours have the same problem", "yes", None),
        ("the whole village lost coverage, nobody on your network has anything", "yes", None),
        ("other people here are fine", "no", None),
        ("到哪里都这样", None, True),
        ("换了地方也一样", None, True),
        ("海外版手机，在家里和公司总显示无服务，换个位置也一样。", None, True),
        ("不管在哪里信号都时有时无", None, True),
        ("在家在公司都一样，旁边同事的手机都好好的", "no", True),
        ("it happens everywhere I go", None, True),
        # what is done there between "where" and "all the same" (gen 27)
        ("换过手机都一样，去边度打电话都断断续续", None, True),
        ("在哪儿上网都卡", None, True),
        ("calls drop no matter where I am", None, True),
        ("doesn't matter where I go, no signal", None, True),
        ("去哪里办理？信号都差", None, None),
        ("只有在家里信号不好", None, False),
        ("only at home, works fine elsewhere", None, False),
        ("周围用户也一样，别的地方都正常", "yes", False),
        ("信号不好", None, None),
        ("周围用户也一样，别人的手机都正常", None, None),  # says both: can't tell
    ],
)
def test_what_the_text_says_about_others_and_other_places(
    text: str, neighbours: str | None, everywhere: bool | None
) -> None:
    assert stated_neighbours(text) == neighbours
    assert stated_everywhere(text) == everywhere


@pytest.mark.parametrize(
    ("text", "occasional"),
    [
        ("昨天有一次，朋友说打我电话打不通", True),
        ("信号不好，偶尔会这样", True),
        ("Happens now and then. Web pages take forever to load.", True),
        ("Just once or twice this week", True),
        ("My call dropped once yesterday at Lembang", True),
        ("calls dropped once again, third time today", False),
        ("信号时有时无", False),  # comes and goes: intermittent, not rare
        ("calls drop all the time", False),
        (None, False),
    ],
)
def test_what_the_text_says_about_how_often(text: str | None, occasional: bool) -> None:
    assert stated_occasional(text) is occasional


def test_others_and_places_from_the_text_through_the_cli(
    nc_env: dict[str, str], conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    t = f.town(conn)
    path = tmp_path / "c.json"
    complaint = f.complaint(
        "SAID",
        *t.place,
        "poor_voice",
        t.now,
        description="打电话有杂音，到哪里都这样，周围用户也一样",
    )
    path.write_text(json.dumps(complaint, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["diagnose", str(path)])
    assert result.exit_code == 0, result.output
    evidence = {e["check"]: e for e in json.loads(result.stdout)["diagnosis"]["evidence"]}
    for check in ("problem_everywhere", "neighbours_affected"):
        assert evidence[check]["finding"] == "abnormal"
        assert "(said in the description)" in evidence[check]["detail"]


@pytest.mark.parametrize(
    ("text", "floor"),
    [
        ("我住在12楼", 12),
        ("科技园B座12楼", 12),
        ("12F办公室", 12),
        ("I'm on floor 12", 12),
        ("on the 14th floor", 14),
        ("负一楼车库", -1),
        ("地下2层", -2),
        ("in the B2 car park", -2),
        ("5G信号不好", None),
        ("楼梯间没信号", None),
        ("信号只有1-2格", None),
        ("on level 3 of the car park", 3),
        ("battery level 20 and no signal", None),
    ],
)
def test_the_floor_a_description_names(text: str, floor: int | None) -> None:
    assert stated_floor(text) == floor


def test_each_language_s_rules_need_that_language() -> None:
    """``phrase_scores`` runs the Chinese rules only on text with Chinese characters and the
    English ones only on text with latin letters: no rule may match without them."""
    data = Path(__file__).resolve().parents[1] / "bench" / "data"
    texts = [
        c["text"].lower()
        for path in sorted(data.glob("symptom_phrases_*.json"))
        for c in json.loads(path.read_text("utf-8"))
    ]
    zh_rules, en_rules = phrase_rules()
    latin_only = [t for t in texts if not re.search(r"[\u3400-\u9fff]", t)]
    no_latin = [t for t in texts if not re.search(r"[a-z]", t)]
    assert len(latin_only) > 200 and len(no_latin) > 200
    assert not [r[2].pattern for r in zh_rules for t in latin_only if r[2].search(t)]
    assert not [r[2].pattern for r in en_rules for t in no_latin if r[2].search(t)]
    assert phrase_scores("calls keep dropping, 掉话") == {"call_drop": 4.0}  # mixed: both run
