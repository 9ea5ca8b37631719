"""Seed 004 §3–§6 as pure rules: causes (事由), cost categories (費用損害), exclusions ⑩ ⑪,
the claim documents (必要となる書類) and the payment deadline (30日以内).

No Flask, no SQL, no clock: "today" and the coverage span are parameters. Rule breaches raise
:class:`CostRuleError`, which names the field, the rule and what would have been allowed; the
service layer maps it to HTTP 422.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from groupcover.rules.periods import Span


class CostRuleError(ValueError):
    """A value breaks one of the seed 004 rules below."""

    def __init__(
        self,
        field: str,
        rule: str,
        message: str,
        allowed: tuple[str, ...] = (),
        missing: tuple[str, ...] = (),
    ):
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.message = message
        self.allowed = allowed
        self.missing = missing


class Cause(StrEnum):
    """The events (事由) whose costs seed 004 §3 covers."""

    LEAK = "leak"
    CONTENT = "content"
    ATTACK = "attack"
    OTHER_IT = "other_it"
    SUSPECTED_ATTACK = "suspected_attack"
    REGULATORY = "regulatory"


CAUSE_NAMES_JA: dict[Cause, str] = {
    Cause.LEAK: "事由① 電子データの漏えいまたはそのおそれ",
    Cause.CONTENT: "事由②ア デジタルコンテンツ不当事由",
    Cause.ATTACK: "事由②イ 被保険者システムに対するサイバー攻撃",
    Cause.OTHER_IT: "事由②ウ ITユーザー業務の遂行にあたり生じた偶然な事由",
    Cause.SUSPECTED_ATTACK: "事由②イのおそれ（サイバー攻撃のおそれを認識した場合）",
    Cause.REGULATORY: "規制手続または法令等",
}


class Category(StrEnum):
    """Cost categories (費用損害) of the seed 004 §3 table."""

    CERTIFICATION = "certification"
    INDIVIDUAL_CONDOLENCE = "individual_condolence"
    CORPORATE_CONDOLENCE = "corporate_condolence"
    MISUSE_MONITORING = "misuse_monitoring"
    INCIDENT_RESPONSE = "incident_response"
    RECURRENCE_PREVENTION = "recurrence_prevention"
    DATA_RECOVERY = "data_recovery"
    SYSTEM_REPAIR = "system_repair"
    CORPORATE_APOLOGY = "corporate_apology"
    INVESTIGATION = "investigation"
    ISOLATION = "isolation"
    INVESTIGATION_REPORTING = "investigation_reporting"
    LEGAL_ACTION = "legal_action"
    PREVENTION_PLANNING = "prevention_planning"


CATEGORY_NAMES_JA: dict[Category, str] = {
    Category.CERTIFICATION: "認証取得費用",
    Category.INDIVIDUAL_CONDOLENCE: "個人見舞費用",
    Category.CORPORATE_CONDOLENCE: "法人見舞費用",
    Category.MISUSE_MONITORING: "不正使用監視費用",
    Category.INCIDENT_RESPONSE: "事故対応関連費用",
    Category.RECURRENCE_PREVENTION: "再発防止費用",
    Category.DATA_RECOVERY: "データ復旧費用",
    Category.SYSTEM_REPAIR: "被保険者システム修復費用",
    Category.CORPORATE_APOLOGY: "法人謝罪対応費用",
    Category.INVESTIGATION: "調査費用",
    Category.ISOLATION: "遮断対応費",
    Category.INVESTIGATION_REPORTING: "調査・報告対応費用",
    Category.LEGAL_ACTION: "訴追対応費用",
    Category.PREVENTION_PLANNING: "再発防止策定費用",
}

_CAUSE_TWO = (
    Category.INCIDENT_RESPONSE,
    Category.RECURRENCE_PREVENTION,
    Category.DATA_RECOVERY,
    Category.SYSTEM_REPAIR,
    Category.CORPORATE_APOLOGY,
)

ALLOWED_CATEGORIES: dict[Cause, tuple[Category, ...]] = {
    Cause.LEAK: (
        Category.CERTIFICATION,
        Category.INDIVIDUAL_CONDOLENCE,
        Category.CORPORATE_CONDOLENCE,
        Category.MISUSE_MONITORING,
        Category.INCIDENT_RESPONSE,
        Category.RECURRENCE_PREVENTION,
        Category.DATA_RECOVERY,
        Category.SYSTEM_REPAIR,
    ),
    Cause.CONTENT: _CAUSE_TWO,
    Cause.ATTACK: _CAUSE_TWO,
    Cause.OTHER_IT: _CAUSE_TWO,
    Cause.SUSPECTED_ATTACK: (
        Category.INVESTIGATION,
        Category.ISOLATION,
        Category.INCIDENT_RESPONSE,
    ),
    Cause.REGULATORY: (
        Category.INVESTIGATION_REPORTING,
        Category.LEGAL_ACTION,
        Category.PREVENTION_PLANNING,
    ),
}
"""Seed 004 §3 「対象となる費用損害の概要」: which categories each cause may claim."""

CATEGORY_ITEMS: dict[Category, dict[str, str]] = {
    Category.INCIDENT_RESPONSE: {
        "ア": "文書作成のために要する費用",
        "イ": "増設コピー機の賃借費用",
        "ウ": "事故現場の保存、事故の状況調査およびその記録に要する費用",
        "エ": "事故の原因調査および再現実験に要する費用",
        "オ": "事故の拡大の防止に努めるために要した費用",
        "カ": "使用人等を事故現場に派遣するために要する人件費、交通費、宿泊費等の費用",
        "キ": "通信費用および謝罪文の作成、送付等に要した費用",
        "ク": "使用人等の超過勤務手当",
        "ケ": "臨時雇入費用",
        "コ": "信頼回復のための会見、発表、広告等のために支出した費用",
        "サ": "コールセンターの設置、運営等の費用",
        "シ": "弁護士等への相談費用",
        "ス": "有益な第三者のコンサルティングまたは類似の指導等を受けるために要した費用",
        "セ": "他人に対して損害賠償請求を行うための争訟費用",
        "ソ": "信用を毀損するインターネット上での書き込み、投稿等に対応するために要した費用",
    },
    Category.DATA_RECOVERY: {
        "ア": "被害を受けたものを事故の発生前の状態に修復または復旧する費用",
        "イ": "被害を受けたものと同種同等のものを再作成または再取得する費用",
    },
    Category.SYSTEM_REPAIR: {
        "ア": "サーバ、コンピュータ、端末装置等および通信用回線・配線の修理・点検・調整費用等",
        "イ": "代替物の賃借費用ならびに仮設物の設置費用および撤去費用",
        "ウ": "ソフトウェアの修復、再製作または再取得費用",
    },
    Category.INVESTIGATION_REPORTING: {
        "ア": "弁護士費用または有益な第三者のコンサルティング等を受けるために要した費用",
        "イ": "文書の作成および公的機関への報告にかかる費用",
        "ウ": "使用人等の超過勤務手当、交通費および宿泊費",
        "エ": "文書提出命令または当事者照会の対応にかかる費用",
        "オ": "資料の翻訳にかかる費用",
        "カ": "証拠収集費用",
        "キ": "アからカまでに付随する費用",
    },
}
"""The lettered items (ア, イ, …) the seed lists under a category; other categories have none."""

SUSPECTED_ATTACK_ITEMS: tuple[str, ...] = ("エ", "シ", "ス")
"""事由②イのおそれ ③事故対応関連費用: only ⑤エ、シおよびスに掲げる費用."""


def allowed_categories(cause: Cause) -> tuple[Category, ...]:
    """The categories seed 004 §3 allows for ``cause``, in the seed's order."""
    return ALLOWED_CATEGORIES[Cause(cause)]


def allowed_items(cause: Cause, category: Category) -> tuple[str, ...]:
    """The items that may be claimed under ``category`` for ``cause`` (empty: none exist).

    For a suspected attack (事由②イのおそれ) incident-response costs are limited to
    「⑤エ、シおよびスに掲げる費用」.
    """
    if Cause(cause) is Cause.SUSPECTED_ATTACK and Category(category) is Category.INCIDENT_RESPONSE:
        return SUSPECTED_ATTACK_ITEMS
    return tuple(CATEGORY_ITEMS.get(Category(category), {}))


def check_cost_category(
    cause: Cause, category: str, item: str | None = None, attack_occurred: bool = False
) -> None:
    """A cost line's category (and item) must be one seed 004 §3 allows for the cause.

    「次の①または②に掲げる事由に起因して負担した下表の費用損害が補償されます」: only the
    categories of the cause's row in the table. An ``item`` names the seed's lettered
    sub-item; it is required for a suspected attack's 事故対応関連費用 (only エ, シ, ス), and
    those are refused once an attack actually happened (「実際にサイバー攻撃が生じていた場合
    に支出した費用を除きます」) — the incident is then an attack (事由②イ).
    """
    cause = Cause(cause)
    allowed = allowed_categories(cause)
    if category not in {c.value for c in allowed}:
        names = ", ".join(f"{c.value} ({CATEGORY_NAMES_JA[c]})" for c in allowed)
        raise CostRuleError(
            "category",
            "seed004.3.cost_table",
            f"category {category!r} is not covered for cause {cause.value!r} "
            f"({CAUSE_NAMES_JA[cause]}); allowed: {names}",
            tuple(c.value for c in allowed),
        )
    category = Category(category)
    items = allowed_items(cause, category)
    suspected_response = cause is Cause.SUSPECTED_ATTACK and category is Category.INCIDENT_RESPONSE
    if suspected_response and attack_occurred:
        raise CostRuleError(
            "item",
            "seed004.3.suspected_attack_actual",
            "incident-response costs under a suspected attack exclude costs where an attack "
            "actually happened (実際にサイバー攻撃が生じていた場合に支出した費用を除きます); "
            "claim them under cause 'attack'",
        )
    if item is None:
        if suspected_response:
            raise CostRuleError(
                "item",
                "seed004.3.suspected_attack_items",
                "a suspected attack's incident-response cost needs an item: エ, シ or ス",
                items,
            )
        return
    if item not in items:
        allowed_text = ", ".join(items) if items else "none"
        raise CostRuleError(
            "item",
            "seed004.3.items",
            f"item {item!r} is not claimable under {category.value} "
            f"({CATEGORY_NAMES_JA[category]}) for cause {cause.value!r}; allowed items: "
            f"{allowed_text}",
            items,
        )


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


def coverage_decision(
    occurred_on: date,
    discovered_on: date,
    period: Span | None,
    known_on: date | None = None,
) -> CoverageDecision:
    """Covered or not, for an incident of an insured whose coverage ``period`` applies.

    ``period`` is the insured's coverage span (補償期間, rule C1: for a supplier its
    registration ∩ the member's term) that contains ``occurred_on``, or ``None`` when there is
    none. Both ends are inclusive; an open end means still running. ``known_on`` is the day
    the insured first knew of a situation likely to cause the loss, when that is known.

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
    start = period.start
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

    The day of completion is not counted (民法140), so the 30th day after it is the last.
    """
    return completed_on + timedelta(days=PAYMENT_DAYS)


def check_pay_by_extension(completed_on: date, extended_pay_by: date, reason: str | None) -> None:
    """A later payment deadline needs a recorded reason and must lie after the 30th day.

    Seed 004 §6①: 「ただし、公的機関による捜査や調査結果の照会が必要な場合など、30日超の日数を
    要することがあります」 — the 30 days hold in principle (原則); an extension says why.
    """
    if not reason or not reason.strip():
        raise CostRuleError(
            "extension_reason",
            "seed004.6.1.extension_reason",
            "a pay_by later than 30 days after completion needs extension_reason",
        )
    standard = pay_by(completed_on)
    if extended_pay_by <= standard:
        raise CostRuleError(
            "extended_pay_by",
            "seed004.6.1.extension_after_standard",
            f"extended_pay_by must be after the standard deadline {standard}",
        )
