"""The learned scorer's features: one named number per fact about a message.

Kept pattern-agnostic (the best pattern's score, not which pattern), so a moderator's new
pattern counts at once, without retraining.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from bot.content.models import LURE_ACTIONS, LURE_CLAIMS, LURE_CUES, SIGNAL_IDS
from bot.matching.lure import LureReport

THREATS = ("account_locked", "suspicious_activity", "update_data", "expiry", "transaction_alert")
# Signals that count on their own; the link ones are replaced by the richer lure link facts, and
# the forward ones by FORWARD_FEATURES.
_NOT_TEXT = {
    "link",
    "shortener",
    "odd_tld",
    "lookalike_domain",
    "old_forward",
    "known_scam_source",
    "forward_hidden",
}
TEXT_SIGNALS = tuple(s for s in SIGNAL_IDS if s not in _NOT_TEXT)
# Facts no labelled message carries (Telegram's forward metadata): their weights are hand-set
# in content/scorer.yaml `fixed`, small enough that they never make a verdict on their own.
FORWARD_FEATURES = ("fwd_old", "fwd_hidden", "fwd_known_source")


@dataclass(frozen=True, slots=True)
class PatternFacts:
    """What the curated patterns found: the best one's rule score and the paraphrase layer."""

    rule_max: float = 0.0  # the best specific pattern's noisy-OR score (0..1)
    rule_hits: int = 0  # distinct non-signal hits of that pattern
    para_max: float = 0.0  # best similarity to any pattern example (0..1)


def feature_names() -> tuple[str, ...]:
    """Every learned feature, in a fixed order."""
    return (
        "rule_max",
        "rule_strong",
        "rule_hits",
        "para",
        *(f"sig_{s}" for s in TEXT_SIGNALS),
        *(f"claim_{c}" for c in LURE_CLAIMS),
        *(f"act_{a}" for a in LURE_ACTIONS),
        *(f"cue_{c}" for c in LURE_CUES),
        "brand_named",
        "brand_finance",
        "link_any",
        "link_all_official",
        "link_mismatch",
        "link_imitates",
        "link_brand_subdomain",
        "link_free_host",
        "link_shortener",
        "link_odd_tld",
        "link_raw_ip",
        "link_punycode",
        "n_claims",
        "x_claim_unofficial",
        "x_claim_random",
        "x_claim_broken",
        "threat",
        "x_threat_link",
        "x_threat_contact",
        "x_brand_threat",
        "x_brand_threat_link",
        "x_parcel_fee",
        "x_parcel_link",
        "x_fee_link",
        "x_prize_link",
        "x_refund_link",
        "x_fine_link",
        "x_job_contact",
        "x_loan_fee",
        "x_newnum_pay",
        "x_code_not_otp",
        "x_otp_code",
        "x_warning",
        "x_optout_link",
        "words",
        "short",
        "transcript",
    )


def extract(
    signal_ids: Iterable[str], lure: LureReport, facts: PatternFacts, *, via: str, words: int
) -> dict[str, float]:
    """The feature values of one message (absent features are 0)."""
    sig = set(signal_ids)
    claims, actions, cues = lure.claims, lure.actions, lure.cues
    links = lure.links
    unofficial = [lk for lk in links if not lk.official]
    link_unofficial = bool(unofficial) or (lure.broken_links > 0 and not links)
    contact = bool(unofficial) or lure.phones > 0 or "call" in actions or "reply" in actions
    threat = any(c in claims for c in THREATS)
    brand = bool(lure.brands)
    f: dict[str, float] = {
        "rule_max": facts.rule_max,
        "rule_strong": float(facts.rule_max >= 0.75),
        "rule_hits": min(facts.rule_hits, 5) / 5,
        "para": facts.para_max,
    }
    for s in TEXT_SIGNALS:
        if s in sig:
            f[f"sig_{s}"] = 1.0
    for c in claims:
        f[f"claim_{c}"] = 1.0
    for a in actions:
        f[f"act_{a}"] = 1.0
    for c in cues:
        f[f"cue_{c}"] = 1.0
    f["brand_named"] = float(brand)
    f["brand_finance"] = float(any(b.kind in ("bank", "payment") for b in lure.brands))
    f["link_any"] = float(bool(links) or lure.broken_links > 0)
    f["link_all_official"] = float(bool(links) and not unofficial)
    f["link_mismatch"] = float(lure.mismatched() is not None)
    f["link_imitates"] = float(any(lk.imitates for lk in links))
    f["link_brand_subdomain"] = float(any(lk.brand_subdomain for lk in links))
    # Short generated names, broken links and unknown domains are how brands' own marketing
    # links look too: they count only together with a claim (a lock, a parcel, a prize).
    any_claim = bool(claims)
    random_link = any(lk.random_name and not lk.shortener for lk in links)
    f["x_claim_unofficial"] = float(any_claim and link_unofficial)
    f["x_claim_random"] = float(any_claim and random_link)
    f["x_claim_broken"] = float(any_claim and lure.broken_links > 0)
    f["link_free_host"] = float(any(lk.free_host for lk in links))
    f["link_shortener"] = float(any(lk.shortener for lk in links))
    f["link_odd_tld"] = float(any(lk.odd_tld for lk in links))
    f["link_raw_ip"] = float(any(lk.raw_ip for lk in links))
    f["link_punycode"] = float(any(lk.punycode for lk in links))
    f["n_claims"] = min(len(claims), 4) / 4
    f["threat"] = float(threat)
    f["x_threat_link"] = float(threat and link_unofficial)
    f["x_threat_contact"] = float(threat and contact)
    f["x_brand_threat"] = float(brand and threat)
    f["x_brand_threat_link"] = float(brand and threat and link_unofficial)
    f["x_parcel_fee"] = float("parcel_held" in claims and "fee_due" in claims)
    f["x_parcel_link"] = float("parcel_held" in claims and link_unofficial)
    f["x_fee_link"] = float("fee_due" in claims and link_unofficial)
    f["x_prize_link"] = float("prize" in claims and contact)
    f["x_refund_link"] = float("refund" in claims and contact)
    f["x_fine_link"] = float("debt_fine" in claims and (link_unofficial or "pay" in actions))
    f["x_job_contact"] = float("job" in claims and (contact or "messaging_link" in sig))
    f["x_loan_fee"] = float("loan" in claims and ("fee_due" in claims or "payment" in sig))
    f["x_newnum_pay"] = float("new_number" in sig and "payment" in sig)
    f["x_code_not_otp"] = float("code_request" in sig and "otp_notice" not in cues)
    f["x_otp_code"] = float("otp_notice" in cues and not link_unofficial)
    f["x_warning"] = float("scam_warning" in cues and not link_unofficial)
    f["x_optout_link"] = float("opt_out" in cues and bool(links))
    f["words"] = min(math.log1p(words) / 5, 1.0)
    f["short"] = float(words <= 6)
    f["transcript"] = float(via == "transcript")
    f["fwd_old"] = float("old_forward" in sig)
    f["fwd_hidden"] = float("forward_hidden" in sig)
    f["fwd_known_source"] = float("known_scam_source" in sig)
    return {k: v for k, v in f.items() if v}
