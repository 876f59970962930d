"""Turn lure facts and the scorer's strongest features into reasons and a named scam family."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.models import Pattern
from bot.matching.lure import LureReport
from bot.matching.scorer import Score
from bot.matching.types import Hit, Reason

MAX_REASONS = 4
# Claims many kinds of message make ("por seguridad", "reply yes"): they weigh half when
# choosing a family, so "refund" beats "we detected" for a double-charge refund lure.
_GENERIC_CLAIMS = frozenset({"suspicious_activity", "update_data", "expiry", "transaction_alert"})
# Which feature, when it raised the score, earns which link reason (first match wins).
_LINK_REASONS = (
    ("link_free_host", "free_host"),
    ("link_raw_ip", "raw_ip"),
    ("link_punycode", "punycode"),
    ("link_shortener", "shortener"),
    ("link_odd_tld", "odd_tld"),
)
_LINK_FEATURES = frozenset(
    {
        "x_claim_unofficial",
        "x_claim_random",
        "x_claim_broken",
        "link_mismatch",
        "link_imitates",
        "link_brand_subdomain",
        "x_threat_link",
        "x_brand_threat_link",
        "x_parcel_link",
        "x_fee_link",
        "x_prize_link",
        "x_refund_link",
        "x_fine_link",
        *(f for f, _ in _LINK_REASONS),
    }
)


def reasons(lure: LureReport, score: Score) -> tuple[Reason, ...]:
    """Sentences a person understands, for the facts that raised the score."""
    raised = {name for name, c in score.contributions if c > 0}
    links = _link_reasons(lure, raised) if raised & _LINK_FEATURES else []
    claims = [
        Reason(f"claim.{claim}", (("words", words[0]),))
        for claim, words in lure.claims.items()
        if raised & {f"claim_{claim}", "threat", "x_threat_link", "x_brand_threat"}
        or any(claim in f for f in raised if f.startswith("x_"))
    ]
    actions = [
        Reason(f"action.{action}", (("words", words[0]),))
        for action, words in lure.actions.items()
        if f"act_{action}" in raised
    ]
    # Most telling first: who it claims to be against where it links, what it claims, what it
    # asks; then the remaining facts about the link.
    ordered = [*links[:1], *claims[:2], *actions[:1], *links[1:], *claims[2:], *actions[1:]]
    return tuple(ordered[:MAX_REASONS])


def _link_reasons(lure: LureReport, raised: set[str]) -> list[Reason]:
    out: list[Reason] = []
    pair = lure.mismatched()
    if pair is not None:
        brand, link = pair
        out.append(Reason("link_not_brand", (("brand", brand.name), ("host", link.host))))
    for link in lure.links:
        fake = link.brand_subdomain or link.imitates
        same = pair is not None and pair[1].host == link.host
        if fake and not same and raised & {"link_imitates", "link_brand_subdomain"}:
            out.append(Reason("link_imitates", (("brand", fake), ("host", link.host))))
            break
    if "x_claim_random" in raised and pair is None:
        host = next((lk.host for lk in lure.links if lk.random_name), "")
        out.append(Reason("link_random", (("host", host),)))
    for feature, key in _LINK_REASONS:
        if feature in raised:
            host = next((lk.host for lk in lure.links if _has(lk, key)), "")
            out.append(Reason(f"link_{key}", (("host", host),)))
            break
    if "x_claim_broken" in raised:
        out.append(Reason("link_broken"))
    return out


def _has(link: object, key: str) -> bool:
    return bool(getattr(link, key, False))


def choose_family(families: Sequence[Pattern], lure: LureReport) -> Pattern | None:
    """The generic family whose claims the message makes most (brand kinds permitting)."""
    best: Pattern | None = None
    best_overlap = 0
    kinds = {b.kind for b in lure.brands}
    for fam in families:
        rule = fam.match.lure
        if rule is None:
            continue
        if rule.brand_kinds and kinds and not kinds.intersection(rule.brand_kinds):
            continue
        overlap = sum(1 if c in _GENERIC_CLAIMS else 2 for c in rule.claims if c in lure.claims)
        if overlap > best_overlap:
            best, best_overlap = fam, overlap
    return best


def family_hits(family: Pattern, lure: LureReport) -> tuple[Hit, ...]:
    """Evidence for a family: the claims it makes, who it says it is and where it links."""
    rule = family.match.lure
    hits = [
        Hit("lure", claim, 0.5, lure.claims[claim][0])
        for claim in (rule.claims if rule else ())
        if claim in lure.claims
    ]
    hits.extend(Hit("lure", f"brand:{b.brand_id}", 0.4, b.evidence) for b in lure.brands[:1])
    hits.extend(Hit("lure", "link", 0.4, lk.text) for lk in lure.links if not lk.official)
    return tuple(hits[:6])
