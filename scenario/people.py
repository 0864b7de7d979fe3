"""Subscribers, their handsets (TAC catalogue) and their registration state.

Complainants whose cause is on the user side get the matching defect: a handset without VoLTE
(calls fail on an LTE/NR-only network), without NR or without the operator's NR band (n41), a
model with a known firmware issue, an old 2G/3G SIM, or a registration problem (not
registered, rejected with an EMM cause, data roaming off while visiting, call forwarding on).
Everyone else has a capable handset, a 4G/5G SIM and a clean registration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MODERN = "B1 B3 B5 B8 B34 B38 B39 B40 B41 n1 n28 n41 n78 n79"
LTE_ONLY = "B1 B3 B5 B8 B34 B38 B39 B40 B41"
EXPORT_NR = "B1 B3 B7 B8 B20 B28 n1 n3 n28 n78"
# (tac, vendor, model, lte, nr, volte, bands, known_issue)
DEVICES: tuple[tuple[str, str, str, bool, bool, bool, str, str], ...] = (
    ("86754504", "Huawei", "Mate 60 Pro", True, True, True, MODERN, ""),
    ("86812305", "Huawei", "P60", True, False, True, LTE_ONLY, ""),
    ("86523706", "Huawei", "nova 12", True, True, True, MODERN, ""),
    ("86095807", "Huawei", "Enjoy 70", True, False, True, LTE_ONLY, ""),
    ("86710309", "Honor", "Magic6", True, True, True, MODERN, ""),
    (
        "86234510",
        "Honor",
        "X50",
        True,
        True,
        True,
        MODERN,
        "VoLTE call drops after inter-frequency handover on firmware 7.1.0.120; fixed in .135",
    ),
    ("86461211", "Honor", "Play 8T", True, True, True, MODERN, ""),
    ("86943412", "Xiaomi", "14", True, True, True, MODERN, ""),
    ("86378813", "Xiaomi", "Redmi Note 13", True, True, True, MODERN, ""),
    ("86512914", "Xiaomi", "Redmi 13C", True, False, True, LTE_ONLY, ""),
    (
        "86622315",
        "Xiaomi",
        "Redmi K70",
        True,
        True,
        True,
        MODERN,
        "modem stalls on n41 after idle; data stops until airplane mode is toggled",
    ),
    ("86140216", "OPPO", "Find X7", True, True, True, MODERN, ""),
    ("86283417", "OPPO", "Reno 11", True, True, True, MODERN, ""),
    ("86397618", "OPPO", "A2x", True, True, True, MODERN, ""),
    ("86408119", "vivo", "X100", True, True, True, MODERN, ""),
    ("86555120", "vivo", "S18", True, True, True, MODERN, ""),
    (
        "86672521",
        "vivo",
        "Y36",
        True,
        True,
        True,
        MODERN,
        "SMS over IMS not supported on early firmware: SMS fail while on VoLTE",
    ),
    ("86731422", "realme", "GT5", True, True, True, MODERN, ""),
    ("86849023", "OnePlus", "12", True, True, True, MODERN, ""),
    ("86902624", "iQOO", "Neo9", True, True, True, MODERN, ""),
    ("86017325", "ZTE", "Axon 60", True, True, True, MODERN, ""),
    ("86126926", "ZTE", "Blade A73", True, False, False, LTE_ONLY, ""),
    ("86215827", "Meizu", "21", True, True, True, MODERN, ""),
    ("35384911", "Apple", "iPhone 15", True, True, True, MODERN, ""),
    ("35672312", "Apple", "iPhone 14", True, True, True, MODERN, ""),
    ("35198713", "Apple", "iPhone 13", True, True, True, MODERN, ""),
    ("35347214", "Apple", "iPhone 11", True, False, True, LTE_ONLY, ""),
    (
        "35829315",
        "Apple",
        "iPhone 7",
        True,
        False,
        True,
        LTE_ONLY,
        "end of software support: VoLTE voice breaks up after iOS carrier bundle expiry",
    ),
    ("35461616", "Samsung", "Galaxy S24", True, True, True, MODERN, ""),
    ("35512817", "Samsung", "Galaxy A54", True, True, True, EXPORT_NR, ""),
    ("35224518", "Google", "Pixel 8", True, True, False, EXPORT_NR, ""),
    ("35993619", "Nokia", "G42", True, True, False, EXPORT_NR, ""),
    ("35107720", "Sony", "Xperia 10 V", True, True, False, EXPORT_NR, ""),
    ("86300521", "Coolpad", "Cool 20", True, False, False, LTE_ONLY, ""),
    ("86388622", "Hisense", "F50", True, False, True, LTE_ONLY, ""),
    ("86019923", "Doov", "L520 (elderly phone)", False, False, False, "", ""),
    ("86062124", "K-Touch", "T6 (elderly phone)", False, False, False, "", ""),
    ("86077425", "Nokia", "105 4G", True, False, False, LTE_ONLY, ""),
    ("86458926", "Lenovo", "Legion Y70", True, True, True, MODERN, ""),
    ("86637227", "Nubia", "Z60 Ultra", True, True, True, MODERN, ""),
)
CMCC_PREFIXES = (
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "178",
    "182",
    "183",
    "184",
    "187",
    "188",
    "195",
    "198",
)
PARTNERS = (("454-12", "852"), ("455-07", "853"), ("466-89", "886"), ("452-04", "84"))
REJECT_CAUSES = (
    "#7 EPS services not allowed",
    "#11 PLMN not allowed",
    "#13 roaming not allowed in this tracking area",
    "#15 no suitable cells in tracking area",
    "#8 EPS and non-EPS services not allowed",
)
TERMINAL_KINDS = ("no_volte", "known_issue", "no_nr", "old_sim")
TERMINAL_WEIGHTS = (0.3, 0.3, 0.2, 0.2)
ROAMING_KINDS = ("not_registered", "rejected", "roaming_off", "call_forwarding")


@dataclass
class Subscriber:
    msisdn: str
    tac: str
    sim_type: str
    home_network: str
    vip: bool


@dataclass
class Registration:
    msisdn: str
    observed_at: int
    status: str
    network: str
    reject_cause: str
    call_forwarding: bool
    roaming_enabled: bool


def _ok(d: tuple[str, str, str, bool, bool, bool, str, str]) -> bool:
    return d[3] and d[5] and not d[7]


class People:
    """Hands out subscribers with the handset and SIM a case calls for."""

    def __init__(self, rng: np.random.Generator, plmn: str) -> None:
        self.rng = rng
        self.plmn = plmn
        self.subscribers: list[Subscriber] = []
        self.registrations: list[Registration] = []
        self._used: set[str] = set()

    def _msisdn(self, country: str = "") -> str:
        while True:
            if country:
                body = "".join(str(d) for d in self.rng.integers(0, 10, 8).tolist())
                value = country + ("9" if country in ("852", "853") else "") + body[:7]
            else:
                prefix = CMCC_PREFIXES[int(self.rng.integers(0, len(CMCC_PREFIXES)))]
                value = prefix + "".join(str(d) for d in self.rng.integers(0, 10, 8).tolist())
            if value not in self._used:
                self._used.add(value)
                return value

    def _device(self, test: str) -> str:
        pool = [
            d
            for d in DEVICES
            if {
                "ok": _ok(d),
                "no_volte": d[3] and not d[5],
                "known_issue": bool(d[7]),
                "no_nr": _ok(d) and (not d[4] or "n41" not in d[6]),
                "any": True,
            }[test]
        ]
        return pool[int(self.rng.integers(0, len(pool)))][0]

    def complainant(self, cause: str, kind: str) -> Subscriber:
        """A new subscriber fitting the case (``kind``: the terminal/roaming sub-kind)."""
        home, country = self.plmn, ""
        sim = "5g" if self.rng.uniform() < 0.5 else "4g"
        device = "ok"
        if cause == "terminal_sim":
            device = {
                "no_volte": "no_volte",
                "known_issue": "known_issue",
                "no_nr": "no_nr",
                "old_sim": "ok",
            }[kind]
            if kind == "old_sim":
                sim = "3g" if self.rng.uniform() < 0.7 else "2g"
            if kind == "no_nr":
                sim = "4g"
        if cause == "roaming_registration" and kind == "roaming_off":
            home, country = PARTNERS[int(self.rng.integers(0, len(PARTNERS)))]
        sub = Subscriber(
            self._msisdn(country), self._device(device), sim, home, bool(self.rng.uniform() < 0.05)
        )
        self.subscribers.append(sub)
        return sub

    def register(self, sub: Subscriber, at: int, cause: str, kind: str) -> None:
        """The HLR/VLR snapshot taken when the complaint came in."""
        status, network, reject, forwarding = "registered", self.plmn, "", False
        roaming = bool(self.rng.uniform() < 0.9)
        if cause == "roaming_registration":
            if kind == "not_registered":
                status, network = (
                    ("not_registered", "") if self.rng.uniform() < 0.7 else ("detached", "")
                )
            elif kind == "rejected":
                status = "rejected"
                reject = REJECT_CAUSES[int(self.rng.integers(0, len(REJECT_CAUSES)))]
            elif kind == "roaming_off":
                roaming = False
            else:
                forwarding = True
        if sub.home_network != self.plmn and kind != "roaming_off":
            roaming = True
        self.registrations.append(
            Registration(sub.msisdn, at, status, network, reject, forwarding, roaming)
        )

    def bystanders(self, count: int, snapshot_at: int) -> None:
        """Subscribers who never complain (any handset), with a registration snapshot."""
        for _ in range(count):
            sim = ("5g", "4g", "4g", "3g")[int(self.rng.integers(0, 4))]
            sub = Subscriber(
                self._msisdn(), self._device("any"), sim, self.plmn, bool(self.rng.uniform() < 0.03)
            )
            self.subscribers.append(sub)
            self.registrations.append(
                Registration(sub.msisdn, snapshot_at, "registered", self.plmn, "", False, True)
            )

    def terminal_kind(self) -> str:
        return str(self.rng.choice(TERMINAL_KINDS, p=TERMINAL_WEIGHTS))

    def roaming_kind(self) -> str:
        return ROAMING_KINDS[int(self.rng.integers(0, len(ROAMING_KINDS)))]
