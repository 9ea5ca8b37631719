"""Seed 004 §3–§5 as pure rules: causes (事由), cost categories (費用損害) and their items, the
cost table's notes, the exclusions (補償対象外となる主な場合) and the duties (注意事項).

No Flask, no SQL, no clock. Rule breaches raise :class:`CostRuleError`, which names the field,
the rule and what would have been allowed; the service layer maps it to HTTP 422.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CostRuleError(ValueError):
    """A value breaks one of the seed 004 rules below or in :mod:`groupcover.rules.claims`."""

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
    """The events (事由) of seed 004 §3; one incident (事故) has exactly one."""

    LEAK = "leak"
    CONTENT = "content"
    ATTACK = "attack"
    OTHER_IT = "other_it"
    SUSPECTED_ATTACK = "suspected_attack"


CAUSE_NAMES_JA: dict[Cause, str] = {
    Cause.LEAK: "事由① 電子データの漏えいまたはそのおそれ",
    Cause.CONTENT: "事由②ア デジタルコンテンツ不当事由",
    Cause.ATTACK: "事由②イ 被保険者システムに対するサイバー攻撃",
    Cause.OTHER_IT: "事由②ウ ITユーザー業務の遂行にあたり生じた偶然な事由",
    Cause.SUSPECTED_ATTACK: "事由②イのおそれ（サイバー攻撃のおそれを認識した場合）",
}


class Group(StrEnum):
    """The four cost groups (費用損害の区分) of the seed 004 §3 table."""

    LEAK = "leak"
    OTHER = "other"
    SUSPECTED_ATTACK = "suspected_attack"
    REGULATORY = "regulatory"


GROUP_NAMES_JA: dict[Group, str] = {
    Group.LEAK: "事由①に係る対応に必要な費用",
    Group.OTHER: "事由②に係る対応に必要な費用",
    Group.SUSPECTED_ATTACK: "事由②イのおそれを認識した場合に必要な費用",
    Group.REGULATORY: "規制手続または法令等に係る対応に必要な費用",
}

CAUSE_GROUP: dict[Cause, Group] = {
    Cause.LEAK: Group.LEAK,
    Cause.CONTENT: Group.OTHER,
    Cause.ATTACK: Group.OTHER,
    Cause.OTHER_IT: Group.OTHER,
    Cause.SUSPECTED_ATTACK: Group.SUSPECTED_ATTACK,
}
"""The cost group a cause's own costs fall in: a line's ``group`` when none is given."""


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

GROUP_CATEGORIES: dict[Group, tuple[Category, ...]] = {
    Group.LEAK: (
        Category.CERTIFICATION,
        Category.INDIVIDUAL_CONDOLENCE,
        Category.CORPORATE_CONDOLENCE,
        Category.MISUSE_MONITORING,
        Category.INCIDENT_RESPONSE,
        Category.RECURRENCE_PREVENTION,
        Category.DATA_RECOVERY,
        Category.SYSTEM_REPAIR,
    ),
    Group.OTHER: (
        Category.INCIDENT_RESPONSE,
        Category.RECURRENCE_PREVENTION,
        Category.DATA_RECOVERY,
        Category.SYSTEM_REPAIR,
        Category.CORPORATE_APOLOGY,
    ),
    Group.SUSPECTED_ATTACK: (
        Category.INVESTIGATION,
        Category.ISOLATION,
        Category.INCIDENT_RESPONSE,
    ),
    Group.REGULATORY: (
        Category.INVESTIGATION_REPORTING,
        Category.LEGAL_ACTION,
        Category.PREVENTION_PLANNING,
    ),
}
"""Seed 004 §3 「対象となる費用損害の概要」: the categories of each cost group."""

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


def allowed_groups(cause: Cause, attack_confirmed: bool = False) -> tuple[Group, ...]:
    """The cost groups an incident of ``cause`` may claim, in the seed's order.

    Its cause's own group, and 規制手続または法令等 on every incident (a leak reported to the
    regulator is one incident). A suspected attack confirmed as an attack keeps its
    suspected-attack group (the costs of finding out stay claimed) beside group ``other``.
    """
    cause = Cause(cause)
    own = CAUSE_GROUP[cause]
    groups = {own, Group.REGULATORY}
    if attack_confirmed:
        groups.add(Group.SUSPECTED_ATTACK)
    return tuple(g for g in Group if g in groups)


def allowed_categories(group: Group) -> tuple[Category, ...]:
    """The categories seed 004 §3 lists in cost ``group``, in the seed's order."""
    return GROUP_CATEGORIES[Group(group)]


def allowed_items(group: Group, category: Category) -> tuple[str, ...]:
    """The items that may be claimed under ``category`` in ``group`` (empty: none exist).

    In the suspected-attack group incident-response costs are limited to
    「⑤エ、シおよびスに掲げる費用」.
    """
    if Group(group) is Group.SUSPECTED_ATTACK and Category(category) is Category.INCIDENT_RESPONSE:
        return SUSPECTED_ATTACK_ITEMS
    return tuple(CATEGORY_ITEMS.get(Category(category), {}))


def check_cost_line(
    cause: Cause,
    group: str,
    category: str,
    item: str | None = None,
    attack_confirmed: bool = False,
) -> None:
    """A cost line's group, category (and item) must be ones seed 004 §3 allows.

    「次の①または②に掲げる事由に起因して負担した下表の費用損害が補償されます」: the groups of
    the incident's cause (see :func:`allowed_groups`), and in a group only its categories. An
    ``item`` names the seed's lettered sub-item; it is required for the suspected-attack
    group's 事故対応関連費用 (only エ, シ, ス), and those are refused once the attack is
    confirmed (「実際にサイバー攻撃が生じていた場合に支出した費用を除きます」): from then on
    such costs are claimed in group ``other``.
    """
    cause = Cause(cause)
    groups = allowed_groups(cause, attack_confirmed)
    if group not in {g.value for g in groups}:
        names = ", ".join(f"{g.value} ({GROUP_NAMES_JA[g]})" for g in groups)
        raise CostRuleError(
            "group",
            "seed004.3.cost_groups",
            f"cost group {group!r} is not claimable on an incident of cause {cause.value!r} "
            f"({CAUSE_NAMES_JA[cause]}); allowed: {names}",
            tuple(g.value for g in groups),
        )
    group = Group(group)
    allowed = allowed_categories(group)
    if category not in {c.value for c in allowed}:
        names = ", ".join(f"{c.value} ({CATEGORY_NAMES_JA[c]})" for c in allowed)
        raise CostRuleError(
            "category",
            "seed004.3.cost_table",
            f"category {category!r} is not in cost group {group.value!r} "
            f"({GROUP_NAMES_JA[group]}); allowed: {names}",
            tuple(c.value for c in allowed),
        )
    category = Category(category)
    items = allowed_items(group, category)
    suspected_response = group is Group.SUSPECTED_ATTACK and category is Category.INCIDENT_RESPONSE
    if suspected_response and attack_confirmed:
        raise CostRuleError(
            "item",
            "seed004.3.suspected_attack_actual",
            "incident-response costs of a suspected attack exclude costs spent where an attack "
            "actually happened (実際にサイバー攻撃が生じていた場合に支出した費用を除きます); the "
            "attack is confirmed: claim them in group 'other'",
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
            f"({CATEGORY_NAMES_JA[category]}) in group {group.value!r}; allowed items: "
            f"{allowed_text}",
            items,
        )


def check_confirm_attack(cause: Cause, new_cause: str) -> None:
    """Only a suspected attack (②イのおそれ) can be confirmed, and only as an attack (②イ).

    「実際にサイバー攻撃が生じていた場合」: the same incident (事故), now an attack; its other
    causes are fixed when it is reported.
    """
    if Cause(cause) is not Cause.SUSPECTED_ATTACK or new_cause != Cause.ATTACK.value:
        raise CostRuleError(
            "cause",
            "seed004.3.confirm_suspected_attack",
            f"only a suspected attack can change cause, and only to 'attack' (this incident's "
            f"cause is {Cause(cause).value!r})",
            (Cause.ATTACK.value,) if Cause(cause) is Cause.SUSPECTED_ATTACK else (),
        )


def condolence_amount(persons: int, unit_yen: int) -> int:
    """個人見舞費用 per person: ``persons`` × ``unit_yen`` (seed 003: ¥500 to each of many)."""
    return persons * unit_yen


@dataclass(frozen=True)
class ApprovalNote:
    """A note of the seed's cost table the insurer applies when it approves an amount."""

    code: str
    ja: str
    en: str


_NO_RANSOM = ApprovalNote(
    "no_ransom", "費用には脅迫金を含みません", "ransom (脅迫金) is never a cost"
)
APPROVAL_NOTES: dict[Category, tuple[ApprovalNote, ...]] = {
    Category.RECURRENCE_PREVENTION: (
        ApprovalNote(
            "one_off_only",
            "一時的な費用にかぎり、セキュリティ対策を継続的に維持、運用、メンテナンス等する費用を除きます",
            "one-off costs only: never the running, upkeep or maintenance of security measures",
        ),
    ),
    Category.DATA_RECOVERY: (_NO_RANSOM,),
    Category.SYSTEM_REPAIR: (
        _NO_RANSOM,
        ApprovalNote(
            "no_portable_devices",
            "携帯電話等の携帯式通信機器、ノート型パソコン等の携帯式電子事務機器およびこれらの付属品を除きます",
            "no portable devices (mobile phones, notebook PCs and their accessories)",
        ),
    ),
    Category.INDIVIDUAL_CONDOLENCE: (
        ApprovalNote(
            "tangible_gifts", "見舞品は有体物にかぎります", "gifts must be tangible goods"
        ),
    ),
    Category.CORPORATE_CONDOLENCE: (
        ApprovalNote(
            "tangible_gifts", "見舞品は有体物にかぎります", "gifts must be tangible goods"
        ),
    ),
    Category.CORPORATE_APOLOGY: (
        ApprovalNote(
            "tangible_gifts", "見舞品は有体物にかぎります", "gifts must be tangible goods"
        ),
    ),
}
"""The cost table's notes (注) that bound an approved amount, per category."""


def approval_notes(category: Category) -> tuple[ApprovalNote, ...]:
    """What the approver must keep out of ``category``'s approved amount (may be empty)."""
    return APPROVAL_NOTES.get(Category(category), ())


def check_approved(approved_yen: int, claimed_yen: int) -> None:
    """An approved amount lies between 0 and the amount claimed (0 ≤ approved ≤ claimed)."""
    if not 0 <= approved_yen <= claimed_yen:
        raise CostRuleError(
            "approved_yen",
            "approved_within_claimed",
            f"approved_yen must lie between 0 and the claimed ¥{claimed_yen:,}",
        )


EXCLUSIONS: dict[str, str] = {
    "1": "損害賠償請求による損害賠償金または争訟費用",
    "2": "偽りその他不正な手段により取得した個人情報の取扱い",
    "3": "被保険者の役員に関する個人情報",
    "4": "企業情報の提供・委託・共同利用",
    "5": "電気、ガス、水道、通信もしくはインターネット接続サービスの中断等",
    "6": "保険契約者または被保険者の故意",
    "7": "被保険者が行ったまたは加担した窃盗、強盗、詐欺、横領または背任行為",
    "8": "法令違反または他人に損害を与えることを認識しながら行った行為",
    "9": "違法に私的な利益を得た行為または違法に便宜を供与された行為",
    "10": "補償期間の開始日より前に被保険者が知っていた状況",
    "11": "補償期間の開始日より前に発見された行為",
    "12": "戦争、外国の武力行使、革命、内乱、暴動等",
    "13": "地震、噴火、洪水、高潮または津波",
    "14": "通常の業務の範囲でない行為",
    "15": "業務の履行不能または履行遅滞に起因する損害賠償請求",
    "16": "知的財産権の侵害（著作権・商標権を除く）",
    "17": "被保険者の支払不能または破産",
    "18": "株主代表訴訟",
    "19": "国または公共団体の公権力の行使",
}
"""Seed 004 §4 ①–⑲ (補償対象外となる主な場合), by number: the reasons to decline."""

DUTIES: dict[str, str] = {
    "1": "事故発生の通知（日時、場所、状況、被害者、費用損害、加入企業であること）",
    "2": "他人に対する損害賠償請求権の保全・行使",
    "3": "損害の発生および拡大の防止",
    "4": "損保ジャパンの承認を得ない費用請求の承認をしないこと",
    "5": "他の保険契約・共済契約の有無と内容の通知",
    "6": "書類・証拠の提出と損害の調査への協力",
    "7": "保険金請求書類の提出",
}
"""Seed 004 §5 ①–⑦ (注意事項): a duty not kept without good reason allows a deduction."""
