"""The notice letter: Japanese then English, figures, the N1 override reason."""

from dataclasses import replace
from datetime import date

import pytest

from groupcover.notices.letters import (
    LetterValues,
    date_en,
    date_ja,
    render_letter,
    yen_en,
    yen_ja,
)
from groupcover.rules.limits import Limits

VALUES = LetterValues(
    notice_id=9,
    program_name="Supplier Support Pack",
    policyholder="SOMPOリスクマネジメント株式会社",
    insurer="損害保険ジャパン株式会社",
    policy_number="CY-2027-0001",
    member_name="Acme株式会社",
    contact_name=None,
    old=Limits(3_000_000, 10_000_000),
    new=Limits(5_000_000, 12_500_000),
    summary_ja="限度額を引き上げます。",
    summary_en="The limits are raised.",
    effective_date=date(2028, 2, 29),
)


@pytest.mark.parametrize(
    ("amount", "ja", "en"),
    [
        (0, "0円", "¥0"),
        (999, "999円", "¥999"),
        (1_000, "1,000円", "¥1,000"),
        (3_000_000, "3,000,000円", "¥3,000,000"),
        (10_000_000, "10,000,000円", "¥10,000,000"),
    ],
)
def test_yen_has_thousands_separators(amount, ja, en):
    assert (yen_ja(amount), yen_en(amount)) == (ja, en)


@pytest.mark.parametrize(
    ("day", "ja", "en"),
    [
        (date(2028, 2, 29), "2028年2月29日", "29 February 2028"),
        (date(2027, 12, 1), "2027年12月1日", "1 December 2027"),
    ],
)
def test_dates_in_both_languages(day, ja, en):
    assert (date_ja(day), date_en(day)) == (ja, en)


def test_letter_names_program_member_terms_and_how_to_acknowledge():
    letter = render_letter(VALUES)

    assert "\n" not in letter.subject
    assert letter.subject.index("補償内容変更") < letter.subject.index("Notice of change")
    body = letter.body
    japanese, english = body.split("\nEnglish\n")
    for part in (japanese, english):
        for name in (
            "Supplier Support Pack",
            "SOMPOリスクマネジメント株式会社",
            "損害保険ジャパン株式会社",
            "CY-2027-0001",
            "Acme株式会社",
            "http://127.0.0.1:8000/console/notices/9",
        ):
            assert name in part
    assert "変更前 3,000,000円 → 変更後 5,000,000円" in japanese
    assert "変更前 10,000,000円 → 変更後 12,500,000円" in japanese
    assert "2028年2月29日" in japanese and "限度額を引き上げます。" in japanese
    assert "now ¥3,000,000 -> new ¥5,000,000" in english
    assert "now ¥10,000,000 -> new ¥12,500,000" in english
    assert "29 February 2028" in english and "The limits are raised." in english
    assert "様" not in japanese and "Attn" not in english


def test_on_time_letter_says_nothing_about_timing():
    body = render_letter(VALUES).body
    assert "2か月以上前" not in body
    assert "two months" not in body


def test_late_letter_gives_the_override_reason_in_both_languages():
    body = render_letter(
        replace(
            VALUES, override_reason="保険会社の料率改定 / rate revision", contact_name="佐藤 花子"
        )
    ).body

    japanese, english = body.split("\nEnglish\n")
    assert "原則として2か月以上前" in japanese
    assert "理由：保険会社の料率改定 / rate revision" in japanese
    assert "at least two months in advance" in english
    assert "Reason: 保険会社の料率改定 / rate revision" in english
    assert "佐藤 花子 様" in japanese and "Attn: 佐藤 花子" in english


def test_letter_reads_as_a_business_letter():
    body = render_letter(replace(VALUES, issued_on=date(2027, 12, 1))).body
    japanese, english = body.split("\nEnglish\n")
    assert japanese.lstrip().startswith("2027年12月1日")  # date of issue first
    assert japanese.index("\n記\n") < japanese.index("\n以上\n")
    assert "2028年2月29日以降に発生した事故に適用" in japanese
    assert "incidents occurring on or after" in english
    assert "保険契約者　SOMPOリスクマネジメント株式会社" in japanese
    assert "保険会社　　損害保険ジャパン株式会社" in japanese
    # the disclaimer names the policyholder and covers registered suppliers (seed 004 §2 ②)
    assert (
        "SOMPOリスクマネジメント株式会社は、" in japanese and "加入企業並びに登録企業" in japanese
    )
    assert "member companies or their\n   registered suppliers" in english
    assert "お詫び" not in japanese and "apologise" not in english  # on time: no apology
    assert english.lstrip().startswith("1 December 2027")


@pytest.mark.parametrize(
    ("contact", "salutation"),
    [(None, "Acme株式会社 御中"), ("佐藤 花子", "佐藤 花子 様")],
)
def test_letter_uses_onchu_or_sama_never_both(contact, salutation):
    japanese = render_letter(replace(VALUES, contact_name=contact)).body.split("\nEnglish\n")[0]
    assert salutation in japanese
    assert ("御中" in japanese) != ("様" in japanese)


def test_late_letter_apologises():
    body = render_letter(replace(VALUES, override_reason="料率改定")).body
    japanese, english = body.split("\nEnglish\n")
    assert "お詫び申し上げます" in japanese and "We apologise" in english


def test_letter_links_to_its_console_page_under_console_base_url():
    from groupcover import create_app

    app = create_app(
        {
            "CONSOLE_BASE_URL": "https://console.example.jp/",
            "DATABASE_URL": "sqlite://",
            "ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            "SECRET_KEY": "x" * 40,
        }
    )
    with app.app_context():
        body = render_letter(VALUES).body
    assert body.count("https://console.example.jp/console/notices/9") == 2
    assert "/api/v1/notices" not in body
