"""Seed 004 §5–§6 as pure rules (保険金の請求・支払): the report dates and the coverage decision
(C1, exclusions ⑩ ⑪), the claim documents (必要となる書類), the payment deadline (30日以内)
and its extensions, the insurer's decision and the claim's status.

No Flask, no SQL, no clock: "today" and the coverage span are parameters. Rule breaches raise
:class:`~groupcover.rules.costs.CostRuleError`, as the cost rules do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from groupcover.rules.costs import EXCLUSIONS, CostRuleError
from groupcover.rules.periods import Span


class Reason(StrEnum):
    """Why an incident is not covered."""

    NOT_INSURED_ON_DATE = "not_insured_on_occurred_on"
    KNOWN_BEFORE_PERIOD = "known_before_period"
    DISCOVERED_BEFORE_PERIOD = "discovered_before_period"


@dataclass(frozen=True)
class CoverageDecision:
    """The answer given when an incident is reported: covered, or why not."""

    covered: bool
    reason: Reason | None = None
    reason_text: str | None = None


def check_report_dates(
    occurred_on: date, discovered_on: date, today: date, known_on: date | None = None
) -> None:
    """Reported dates cannot lie in the future of the program's ``today``.

    Seed 004 §5① asks for 事故発生の日時 when the incident is reported (遅滞なく通知), so the
    incident has already occurred; likewise its discovery and any earlier knowledge. An
    incident is discovered (発見) on or after the day it occurred (発生), never before.
    """
    for field, value in (
        ("occurred_on", occurred_on),
        ("discovered_on", discovered_on),
        ("known_on", known_on),
    ):
        if value is not None and value > today:
            raise CostRuleError(
                field, "seed004.5.report_dates", f"{field} {value} is after today ({today})"
            )
    if discovered_on < occurred_on:
        raise CostRuleError(
            "discovered_on",
            "seed004.5.discovered_after_occurred",
            f"discovered_on {discovered_on} is before occurred_on {occurred_on}",
        )


def continuous_since(spans: Iterable[Span], start: date) -> date:
    """The first day of the unbroken chain of coverage spans that reaches ``start``.

    Exclusions ⑩ ⑪ speak of 「補償期間の開始日」; for a renewal without a gap the standard
    wordings count from the first period of the chain (初年度契約の開始日): a span that ends
    the day before another starts continues it (as does one that overlaps it), a gap of a day or
    more starts a new chain.
    """
    spans = list(spans)
    first = start
    while True:
        reaching = [s.start for s in spans if s.start < first and s.contains(first - timedelta(1))]
        if not reaching:
            return first
        first = min(reaching)


def coverage_decision(
    occurred_on: date,
    discovered_on: date,
    period: Span | None,
    known_on: date | None = None,
    continuous_from: date | None = None,
) -> CoverageDecision:
    """Covered or not, for an incident of an insured whose coverage ``period`` applies.

    ``period`` is the insured's coverage span (補償期間, rule C1: for a supplier its
    registration ∩ the member's term) that contains ``occurred_on``, or ``None`` when there is
    none. Both ends are inclusive; an open end means still running. ``known_on`` is the day
    the insured first knew of a situation likely to cause the loss, when that is known.
    ``continuous_from`` is the first day of the chain of coverage periods renewed without a
    gap that ends in ``period`` (:func:`continuous_since`); ⑩ ⑪ count from it.

    - C1: no coverage on the day the incident occurred → not covered.
    - ⑩ 「補償期間の開始日より前に、損害が発生するおそれがある状況を被保険者が知っていた場合」
      → not covered when ``known_on`` is before the period's first day.
    - ⑪ 「補償期間の開始日より前に発見された損害の原因となる行為に起因する一連の事故」
      → not covered when ``discovered_on`` is before the period's first day.
    """
    if period is None or not period.contains(occurred_on):
        return CoverageDecision(
            False,
            Reason.NOT_INSURED_ON_DATE,
            f"the insured had no coverage (補償期間) on {occurred_on}, the day the incident "
            "occurred (rule C1)",
        )
    start = min(period.start, continuous_from or period.start)
    if known_on is not None and known_on < start:
        return CoverageDecision(
            False,
            Reason.KNOWN_BEFORE_PERIOD,
            f"the insured knew on {known_on} of the situation, before the coverage period "
            f"began on {start} (exclusion ⑩)",
        )
    if discovered_on < start:
        return CoverageDecision(
            False,
            Reason.DISCOVERED_BEFORE_PERIOD,
            f"the cause was discovered on {discovered_on}, before the coverage period began "
            f"on {start} (exclusion ⑪)",
        )
    return CoverageDecision(True)


@dataclass(frozen=True)
class ClaimDocument:
    """One kind of document of seed 004 §5⑦ (必要となる書類)."""

    code: str
    name_ja: str
    name_en: str
    examples_ja: str


CLAIM_DOCUMENTS: tuple[ClaimDocument, ...] = (
    ClaimDocument(
        "ア",
        "保険金請求書および保険金請求権者が確認できる書類",
        "claim form and documents identifying the claimant",
        "保険金請求書、戸籍謄本、印鑑証明書、委任状、住民票、等",
    ),
    ClaimDocument(
        "イ",
        "事故日時・事故原因および事故状況等が確認できる書類",
        "documents showing the date, cause and circumstances of the incident",
        "事故状況説明書、罹災証明書、交通事故証明書、請負契約（写）、"
        "メーカーや修理業者などからの原因調査報告書 等",
    ),
    ClaimDocument(
        "ウ",
        "保険の対象であることが確認できる書類",
        "documents proving the object is insured",
        "登記簿謄本、売買契約書（写）、登録事項等証明書 等",
    ),
    ClaimDocument(
        "エ",
        "公の機関や関係先等への調査のために必要な書類",
        "documents needed for inquiries with public bodies and other parties",
        "同意書 等",
    ),
)
"""「次の書類のうち、損保ジャパンが求めるものを提出してください」: the insurer picks which."""

CLAIM_DOCUMENT_CODES: tuple[str, ...] = tuple(d.code for d in CLAIM_DOCUMENTS)


def check_claim_documents(requested: set[str], received: set[str]) -> None:
    """A claim is complete (保険金請求の完了) only when every requested document is in.

    Seed 004 §5⑦: the insured submits those of ア–エ that the insurer asks for; §6① counts
    the 30 days from the day the claim is complete.
    """
    unknown = sorted((requested | received) - set(CLAIM_DOCUMENT_CODES))
    if unknown:
        raise CostRuleError(
            "documents",
            "seed004.5.7.documents",
            f"unknown document codes {unknown}; the seed lists {list(CLAIM_DOCUMENT_CODES)}",
            CLAIM_DOCUMENT_CODES,
        )
    missing = sorted(requested - received, key=CLAIM_DOCUMENT_CODES.index)
    if missing:
        raise CostRuleError(
            "documents",
            "seed004.5.7.documents_missing",
            f"requested documents not yet received: {', '.join(missing)}",
            missing=tuple(missing),
        )


PAYMENT_DAYS = 30


def pay_by(completed_on: date) -> date:
    """The insurer pays 「保険金請求の完了した日から原則、30日以内」 (seed 004 §6①).

    The non-life industry counts those 30 days with the day of completion as day 1
    (請求完了日（当日を含む。）から起算して30日以内), so the last day is completion + 29.
    """
    return completed_on + timedelta(days=PAYMENT_DAYS - 1)


class ExtensionReason(StrEnum):
    """Why the 30 days of §6① are not enough (「30日超の日数を要することがあります」)."""

    PUBLIC_INQUIRY = "public_inquiry"
    EXPERT_APPRAISAL = "expert_appraisal"
    DISASTER_AREA = "disaster_area"
    OVERSEAS = "overseas"
    OTHER = "other"


EXTENSION_CONFIRMATIONS: dict[ExtensionReason, tuple[str, str]] = {
    ExtensionReason.PUBLIC_INQUIRY: (
        "警察、検察、消防その他の公的機関による捜査・調査結果の照会",
        "the results of investigations by the police or other public authorities",
    ),
    ExtensionReason.EXPERT_APPRAISAL: (
        "専門機関による鑑定等の結果の照会",
        "the results of an appraisal by experts",
    ),
    ExtensionReason.DISASTER_AREA: (
        "災害救助法が適用された災害の被災地域での調査",
        "inquiries in an area hit by a disaster",
    ),
    ExtensionReason.OVERSEAS: (
        "日本国外での調査",
        "inquiries outside Japan",
    ),
    ExtensionReason.OTHER: (
        "その他、保険金の支払に必要な事項の確認",
        "other facts needed before the claim can be paid",
    ),
}
"""What the insured is told must be confirmed (確認が必要な事項), per reason."""


def check_pay_by_extension(
    completed_on: date, extended_pay_by: date | None, reason: str | None
) -> None:
    """A later payment deadline needs one of the reasons and must lie after the 30th day.

    Seed 004 §6①: 「ただし、公的機関による捜査や調査結果の照会が必要な場合など、30日超の日数を
    要することがあります」 — the 30 days hold in principle (原則); an extension says why.
    """
    if extended_pay_by is None:
        raise CostRuleError(
            "extended_pay_by",
            "seed004.6.1.extension_date",
            "extension_reason is given but extended_pay_by is not",
        )
    if reason not in {r.value for r in ExtensionReason}:
        raise CostRuleError(
            "extension_reason",
            "seed004.6.1.extension_reason",
            "a pay_by later than the 30 days needs extension_reason, one of "
            + ", ".join(r.value for r in ExtensionReason),
            tuple(r.value for r in ExtensionReason),
        )
    standard = pay_by(completed_on)
    if extended_pay_by <= standard:
        raise CostRuleError(
            "extended_pay_by",
            "seed004.6.1.extension_after_standard",
            f"extended_pay_by must be after the standard deadline {standard}",
        )


class Decision(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


def check_decision(decision: str, exclusion: str | None) -> None:
    """Declining needs the §4 exclusion's number (①–⑲ as "1"…"19"); accepting has none."""
    if decision == Decision.DECLINED and exclusion not in EXCLUSIONS:
        raise CostRuleError(
            "exclusion",
            "seed004.4.exclusion_required",
            'declining needs exclusion, the seed 004 §4 number "1"…"19" (①–⑲)',
            tuple(EXCLUSIONS),
        )
    if decision == Decision.ACCEPTED and exclusion is not None:
        raise CostRuleError(
            "exclusion", "seed004.4.exclusion_on_accept", "an accepted claim names no exclusion"
        )


class Status(StrEnum):
    """Where a claim stands (reported → claim complete → accepted | declined → paid)."""

    REPORTED = "reported"
    CLAIM_COMPLETE = "claim_complete"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    PAID = "paid"


def claim_status(
    decision: str | None, claim_complete: bool, payable_yen: int, paid_yen: int
) -> Status:
    """The lifecycle status: the furthest step reached.

    ``payable_yen`` is what the accepted claim can be paid in all (approved less deductions,
    at most the per-incident limit); it is ``paid`` once that is paid in full (and non-zero).
    """
    if decision == Decision.DECLINED:
        return Status.DECLINED
    if decision == Decision.ACCEPTED:
        if payable_yen > 0 and paid_yen >= payable_yen:
            return Status.PAID
        return Status.ACCEPTED
    return Status.CLAIM_COMPLETE if claim_complete else Status.REPORTED
