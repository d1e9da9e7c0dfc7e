"""Credit-impact grades: every day past due falls in exactly one grade per pack, and each grade says, in
both locales, what is reported, how it reads, how long it stays and what the customer can do."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from debt_collections.policies import (
    PACK_CODES,
    PolicyPack,
    amount_band,
    credit_impact,
    get_pack,
    grade_text,
    grades_for,
    pack_versions,
    reporting_threshold,
    strictest,
)
from debt_collections.policies.credit_impact import (
    BANDS,
    BUREAU_RETENTION_YEARS,
    CREDIT_IMPACT_LOCALES,
    GRADE_CODES,
    Band,
    _check_bands,
)

PACKS = {code: get_pack(code, date(2026, 1, 1)) for code in PACK_CODES}
ALL_VERSIONS = [pack for code in PACK_CODES for pack in pack_versions(code)]


@pytest.mark.parametrize("code", PACK_CODES)
@given(dpd=st.integers(min_value=0, max_value=10_000))
def test_every_days_past_due_value_falls_in_exactly_one_grade(code: str, dpd: int) -> None:
    grades = grades_for(PACKS[code])

    containing = [g for g in grades if g.contains(dpd)]

    assert len(containing) == 1
    assert credit_impact(PACKS[code], dpd) == containing[0]


@pytest.mark.parametrize("code", PACK_CODES)
def test_grades_run_from_zero_to_unbounded_without_gaps_or_overlaps(code: str) -> None:
    grades = grades_for(PACKS[code])

    assert grades[0].dpd_from == 0
    assert grades[-1].dpd_to is None
    for lower, upper in zip(grades, grades[1:], strict=False):
        assert lower.dpd_to is not None
        assert upper.dpd_from == lower.dpd_to + 1
    # and the unbounded end really is unbounded
    assert credit_impact(PACKS[code], 10**9).code == "charged_off"


@pytest.mark.parametrize("pack", ALL_VERSIONS, ids=lambda p: p.version)
def test_negative_reporting_starts_at_the_ladders_pre_notice_rung(pack: PolicyPack) -> None:
    threshold = reporting_threshold(pack)

    assert not credit_impact(pack, threshold - 1).negative
    assert credit_impact(pack, threshold).negative
    assert credit_impact(pack, threshold).code == "pre_notice"


@pytest.mark.parametrize("pack", ALL_VERSIONS, ids=lambda p: p.version)
def test_the_charged_off_grade_starts_at_the_packs_charge_off_threshold(pack: PolicyPack) -> None:
    charge_off = pack.charge_off_dpd

    assert credit_impact(pack, charge_off - 1).code == "serious"
    assert credit_impact(pack, charge_off).code == "charged_off"


def test_nothing_negative_is_reported_while_an_account_is_current_or_merely_late() -> None:
    for pack in PACKS.values():
        assert [credit_impact(pack, d).status_code for d in (0, 1, 59)] == ["", "", ""]
        assert credit_impact(pack, 60).status_code == "DPD60"
        assert credit_impact(pack, 90).status_code == "DPD90"


def test_a_uk_charge_off_is_recorded_as_a_default() -> None:
    assert credit_impact(PACKS["UK"], 200).status_code == "DEFAULT"
    assert credit_impact(PACKS["CN"], 200).status_code == "CHARGED_OFF"


def test_bureau_retention_is_the_bureaus_not_the_lenders_record_retention() -> None:
    # CN 5 years from the end of the event (征信业管理条例 Art. 16); US 7 (FCRA §605); UK 6.
    assert BUREAU_RETENTION_YEARS == {"CN": 5, "US": 7, "UK": 6}
    assert credit_impact(PACKS["US"], 100).retention_years == 7
    assert PACKS["US"].retention_years == 3  # the collector's own records: a different number


@pytest.mark.parametrize("code", PACK_CODES)
@pytest.mark.parametrize("locale", CREDIT_IMPACT_LOCALES)
def test_every_grade_has_all_four_texts_in_both_locales(code: str, locale: str) -> None:
    for grade in grades_for(PACKS[code]):
        text = grade_text(grade, locale)

        assert len(text) == 4
        for sentence in text:
            assert sentence.strip() == sentence and sentence
            assert "{" not in sentence and "}" not in sentence  # every placeholder filled
            assert sentence.endswith("。" if locale == "zh-hans" else ".")
        if locale == "zh-hans":
            assert re.search(r"[\u4e00-\u9fff]", "".join(text))
        else:
            assert not re.search(r"[\u4e00-\u9fff]", "".join(text))


def test_texts_name_the_packs_numbers() -> None:
    late_cn = grade_text(credit_impact(PACKS["CN"], 30), "en")
    assert "14 days" in late_cn.what and "60 days past due" in late_cn.what
    assert "5 years" in late_cn.stays
    reported_us = grade_text(credit_impact(PACKS["US"], 100), "zh-hans")
    assert "7年" in reported_us.stays
    assert "90" in reported_us.reads_as
    uk = grade_text(credit_impact(PACKS["UK"], 65), "en")
    assert "6 years" in uk.stays and "even once it is repaid" in uk.stays


def test_an_unknown_locale_reads_english() -> None:
    grade = credit_impact(PACKS["CN"], 70)

    assert grade_text(grade, "fr") == grade_text(grade, "en")


def test_an_overlay_pack_uses_the_base_jurisdictions_bureau() -> None:
    overlay = strictest(PACKS["US"], PACKS["UK"])

    grade = credit_impact(overlay, 200)

    assert (grade.pack, grade.status_code, grade.retention_years) == ("US", "CHARGED_OFF", 7)


def test_negative_days_past_due_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        credit_impact(PACKS["CN"], -1)


def test_a_pack_without_a_pre_notice_rung_has_no_reporting_threshold() -> None:
    silent = replace(PACKS["CN"], reminder_ladder=((1, "reminder.soft"),))

    with pytest.raises(ValueError, match="no credit_report.pre_notice rung"):
        reporting_threshold(silent)


@pytest.mark.parametrize(
    "bands",
    [
        {"CN": (Band("current", 1, ""),) + BANDS["CN"][1:]},  # does not start at 0
        {"CN": (BANDS["CN"][0], BANDS["CN"][2], BANDS["CN"][1], *BANDS["CN"][3:])},  # not ascending
        {"CN": BANDS["CN"][:-1]},  # a grade missing
        {"FR": BANDS["CN"]},  # no retention period
    ],
)
def test_malformed_band_tables_are_refused(bands: dict[str, tuple[Band, ...]]) -> None:
    with pytest.raises(ValueError):
        _check_bands(bands)


def test_grade_codes_are_the_same_for_every_pack() -> None:
    for code in PACK_CODES:
        assert tuple(g.code for g in grades_for(PACKS[code])) == GRADE_CODES


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        ("0", "0-1000"),
        ("999.99", "0-1000"),
        ("1000", "1000-5000"),
        ("4999.99", "1000-5000"),
        ("5450.00", "5000-20000"),
        ("20000", "20000-100000"),
        ("100000", "100000+"),
        ("2500000.50", "100000+"),
    ],
)
def test_amounts_fall_in_coarse_bands_with_the_lower_bound_inclusive(amount: str, band: str) -> None:
    assert amount_band(Decimal(amount)) == band


def test_a_negative_amount_has_no_band() -> None:
    with pytest.raises(ValueError):
        amount_band(Decimal("-0.01"))
