"""The standardized notice texts: coverage, opt-out, limited content, wording, and that they render.

Pure tests: no database. The expected key/channel table below is written out independently of the module's
own ``CHANNELS_BY_KEY`` so that a text dropped from the library (or the table) fails here.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from django.template import Context, Engine

from notifications.template_library import (
    CONTEXT_VARIABLES,
    LIBRARY,
    LIMITED_CONTEXT_VARIABLES,
    OPT_OUT_LINE,
    TemplateText,
    get_template_text,
)

EXPECTED_CHANNELS: dict[str, set[str]] = {
    "reminder.soft": {"sms", "email"},
    "reminder.firm": {"sms", "email"},
    "contact.prompt": {"sms", "email"},
    "debt.information": {"sms", "email", "letter"},
    "plan.offer": {"sms", "email"},
    "plan.confirmation": {"sms", "email"},
    "plan.broken": {"sms", "email"},
    "credit_report.pre_notice": {"sms", "email", "letter"},
    "credit_limit.notice": {"sms", "email", "letter"},
    "credit_limit.appeal_outcome": {"sms", "email"},
    "dispute.acknowledgement": {"sms", "email"},
    "dispute.outcome": {"sms", "email"},
    "wrong_party.acknowledgement": {"sms"},
    "opt_out.confirmation": {"sms", "email"},
    "promise.confirmation": {"sms", "email"},
    "payment.receipt": {"sms", "email"},
}
EXPECTED_LIMITED = {"contact.prompt", "wrong_party.acknowledgement", "opt_out.confirmation"}
EXPECTED_SERVICE = {
    # A legally required advance notice: it goes out even while collection is on hold.
    "credit_limit.notice",
    "credit_limit.appeal_outcome",
    "plan.confirmation",
    "dispute.acknowledgement",
    "dispute.outcome",
    "wrong_party.acknowledgement",
    "opt_out.confirmation",
    "promise.confirmation",
    "payment.receipt",
}
LOCALES = {"zh-hans", "en"}
NO_OPT_OUT_KEYS = {"wrong_party.acknowledgement"}

# What a limited-content text must never reveal.
DISCLOSING_VARIABLES = {
    "principal", "interest", "fees", "penalty_interest", "total_due",
    "customer_name", "lender_name", "account_masked",
}
DISCLOSING_WORDS = [
    "debt", "overdue", "owe", "arrears", "collection", "loan", "credit",
    "欠款", "逾期", "债", "催收", "贷款", "信用",
]
# Threats, shaming, pressure, third parties: never in any text.
FORBIDDEN_IN_ANY = [
    "legal action", "lawsuit", "court", "police", "arrest", "prison", "jail", "bailiff", "seize",
    "family", "relative", "employer", "workplace", "colleague", "neighbour", "neighbor",
    "final warning", "last chance", "immediately", "urgent", "shame", "blacklist", "consequence",
    "起诉", "诉讼", "法院", "公安", "警察", "拘留", "坐牢", "家人", "亲属", "亲友", "单位", "同事", "邻居",
    "曝光", "黑名单", "上门", "最后通牒", "立即", "后果", "严重",
]
LOOP_ITEM_ATTRIBUTES = {"number", "due_date", "amount"}  # of each item in ``schedule``
ALLOWED_TAGS = {"for", "endfor", "if", "elif", "else", "endif"}
URL_VARIABLES = {"portal_url", "opt_out_url", "appeal_url"}

_SCHEDULE = [
    {"number": str(n), "due_date": f"2026-0{n}-15", "amount": f"{n}00.00"} for n in range(1, 6)
]


def _sample(**overrides: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {name: f"<{name}>" for name in CONTEXT_VARIABLES}
    ctx["is_freeze"] = False
    ctx["schedule"] = _SCHEDULE
    ctx.update(overrides)
    return ctx


def _id(t: TemplateText) -> str:
    return f"{t.key}/{t.channel}/{t.locale}"


def _render(source: str, ctx: dict[str, Any], *, strict: bool = False) -> str:
    """Plain-text rendering. ``Engine(autoescape=False)`` alone is not enough: a bare ``Context`` defaults
    to ``autoescape=True`` and wins, turning "<" into "&lt;"; the context must say so too."""
    engine = Engine(autoescape=False, string_if_invalid="<<INVALID %s>>" if strict else "")
    return engine.from_string(source).render(Context(ctx, autoescape=False))


_FILTER = re.compile(r"""\|\w+(?::(?:"[^"]*"|'[^']*'|[^\s|]+))?""")
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_KEYWORDS = {"and", "or", "not", "in", "is", "None", "True", "False"}


def _names_in(expr: str) -> list[str]:
    """Dotted names in a template expression, filters and their arguments removed."""
    expr = _FILTER.sub("", expr)
    expr = re.sub(r"""("[^"]*"|'[^']*')""", "", expr)
    return [n for n in _NAME.findall(expr) if n not in _KEYWORDS]


def _used_variables(source: str) -> tuple[set[str], set[str]]:
    """(top-level context names, attributes used on loop variables) in a template source."""
    roots: set[str] = set()
    loop_attrs: set[str] = set()
    loop_vars: set[str] = set()
    dotted: list[str] = []
    for tag in re.findall(r"\{%\s*(.*?)\s*%\}", source):
        name, _, rest = tag.partition(" ")
        assert name in ALLOWED_TAGS, f"unexpected template tag {{% {tag} %}}"
        if name == "for":
            m = re.fullmatch(r"(\w+)\s+in\s+(.+)", rest.strip())
            assert m, f"unexpected for-loop {{% {tag} %}}"
            loop_vars.add(m.group(1))
            dotted += _names_in(m.group(2))
        elif name in {"if", "elif"}:
            dotted += _names_in(rest)
    for expr in re.findall(r"\{\{\s*(.*?)\s*\}\}", source):
        dotted += _names_in(expr)
    for name in dotted:
        root, _, attr = name.partition(".")
        if root in loop_vars:
            loop_attrs.add(attr)
        else:
            roots.add(root)
    return roots, loop_attrs


def _texts(t: TemplateText) -> str:
    return f"{t.subject}\n{t.body}"


def _static_text(source: str) -> str:
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source)


# ---------------------------------------------------------------- coverage and flags


def test_every_key_has_both_locales_for_each_of_its_channels() -> None:
    have = {(t.key, t.channel, t.locale) for t in LIBRARY}
    want = {(k, c, loc) for k, channels in EXPECTED_CHANNELS.items() for c in channels for loc in LOCALES}
    assert have == want
    assert len(LIBRARY) == len(want)  # and no duplicates
    dupes = [k for k, n in Counter((t.key, t.channel, t.locale) for t in LIBRARY).items() if n > 1]
    assert dupes == []


def test_flags_per_key() -> None:
    for t in LIBRARY:
        assert t.limited_content == (t.key in EXPECTED_LIMITED), _id(t)
        assert t.is_service == (t.key in EXPECTED_SERVICE), _id(t)


def test_lookup() -> None:
    t = get_template_text("plan.offer", "email", "en")
    assert (t.key, t.channel, t.locale) == ("plan.offer", "email", "en")
    with pytest.raises(KeyError):
        get_template_text("plan.offer", "letter", "en")


def test_every_documented_variable_is_used_somewhere() -> None:
    used: set[str] = set()
    for t in LIBRARY:
        used |= _used_variables(_texts(t))[0]
    assert used == set(CONTEXT_VARIABLES)
    assert LIMITED_CONTEXT_VARIABLES <= CONTEXT_VARIABLES


# ---------------------------------------------------------------- per text


@pytest.mark.parametrize("t", LIBRARY, ids=_id)
def test_subject_shape(t: TemplateText) -> None:
    if t.channel == "sms":
        assert t.subject == ""
    else:
        assert t.subject.strip() == t.subject and t.subject
        assert "\n" not in t.subject
        assert len(_static_text(t.subject)) <= 60


@pytest.mark.parametrize("t", LIBRARY, ids=_id)
def test_sms_and_email_end_with_the_opt_out_line(t: TemplateText) -> None:
    if t.channel == "letter":
        assert "{{ contact_phone }}" in t.body
        return
    if t.key in NO_OPT_OUT_KEYS:
        assert "opt_out_url" not in t.body
        return
    assert "opt_out_url" in t.body
    assert t.body.splitlines()[-1] == OPT_OUT_LINE[t.locale]


@pytest.mark.parametrize("t", LIBRARY, ids=_id)
def test_only_documented_variables(t: TemplateText) -> None:
    roots, loop_attrs = _used_variables(_texts(t))
    assert roots <= CONTEXT_VARIABLES, roots - CONTEXT_VARIABLES
    assert loop_attrs <= LOOP_ITEM_ATTRIBUTES


@pytest.mark.parametrize("t", LIBRARY, ids=_id)
def test_non_limited_texts_carry_the_reference(t: TemplateText) -> None:
    if not t.limited_content:
        assert "{{ reference }}" in t.body


@pytest.mark.parametrize("t", [t for t in LIBRARY if t.limited_content], ids=_id)
def test_limited_texts_disclose_nothing(t: TemplateText) -> None:
    roots, _ = _used_variables(_texts(t))
    assert not roots & DISCLOSING_VARIABLES
    assert roots <= LIMITED_CONTEXT_VARIABLES, roots - LIMITED_CONTEXT_VARIABLES
    text = _texts(t).lower()
    assert [w for w in DISCLOSING_WORDS if w in text] == []
    rendered = _render(t.subject + "\n" + t.body, _sample()).lower()
    assert [w for w in DISCLOSING_WORDS if w in rendered] == []


@pytest.mark.parametrize("t", LIBRARY, ids=_id)
def test_no_threats_pressure_or_third_parties(t: TemplateText) -> None:
    text = _texts(t).lower()
    assert [w for w in FORBIDDEN_IN_ANY if w in text] == []


@pytest.mark.parametrize("t", [t for t in LIBRARY if t.channel == "sms"], ids=_id)
def test_sms_is_short(t: TemplateText) -> None:
    static = _static_text(t.body)
    assert len(static) <= (120 if t.locale == "zh-hans" else 200), len(static)


@pytest.mark.parametrize("t", LIBRARY, ids=_id)
def test_links_stand_apart_from_the_text(t: TemplateText) -> None:
    """A link followed by letters (or, in Chinese, by any character) gets swallowed by some linkifiers."""
    for var in URL_VARIABLES:
        for m in re.finditer(r"\{\{ " + var + r" \}\}", t.body):
            after = t.body[m.end():m.end() + 1]
            allowed = {"", " ", "\n"} | ({".", ","} if t.locale == "en" else set())
            assert after in allowed, f"{var} followed by {after!r}"


@pytest.mark.parametrize("t", LIBRARY, ids=_id)
def test_compiles_and_renders(t: TemplateText) -> None:
    for source in (t.subject, t.body):
        out = _render(source, _sample())
        assert "{{" not in out and "{%" not in out
        strict = _render(source, _sample(), strict=True)
        assert "<<INVALID" not in strict, strict
        assert strict == out
    # The recipe as first written (a bare Context) compiles and renders too, only HTML-escaped.
    escaped = Engine(autoescape=False).from_string(t.body).render(Context(_sample()))
    assert "&lt;reference&gt;" in escaped or t.limited_content


# ---------------------------------------------------------------- specific texts


@pytest.mark.parametrize("channel", ["sms", "email", "letter"])
@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_credit_limit_freeze_and_reduction(channel: str, locale: str) -> None:
    t = get_template_text("credit_limit.notice", channel, locale)
    reduced = _render(t.body, _sample(is_freeze=False))
    frozen = _render(t.body, _sample(is_freeze=True))
    assert "<old_limit>" in reduced and "<new_limit>" in reduced
    assert "<old_limit>" not in frozen and "<new_limit>" not in frozen
    assert ("frozen" in frozen) if locale == "en" else ("冻结" in frozen)
    for out in (reduced, frozen):
        assert "<reason_text>" in out and "<effective_date>" in out and "<appeal_url>" in out


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_credit_limit_appeal_outcome_says_what_was_decided_and_why(channel: str, locale: str) -> None:
    t = get_template_text("credit_limit.appeal_outcome", channel, locale)
    roots, _ = _used_variables(_texts(t))
    assert {"appeal_outcome", "appeal_outcome_text", "portal_url", "contact_phone", "reference"} <= roots
    assert not roots & {"dispute_kind", "dispute_outcome", "dispute_outcome_text"}
    out = _render(t.body, _sample(appeal_outcome="the change stands", appeal_outcome_text="Still overdue."))
    assert "the change stands" in out and "Still overdue." in out
    # Decided by a person, and the text says so (PIPL Art. 24: an automated decision can be reviewed).
    assert ("a person" in out or "member of our staff" in out) if locale == "en" else ("人工复核" in out)


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_plan_confirmation_email_lists_the_whole_schedule_one_per_line(locale: str) -> None:
    out = _render(get_template_text("plan.confirmation", "email", locale).body, _sample())
    lines = out.splitlines()
    for item in _SCHEDULE:
        [line] = [ln for ln in lines if item["due_date"] in ln]
        assert item["number"] in line and item["amount"] in line
    assert "<cooling_off_until>" in out and "<portal_url>" in out and "<plan_total>" in out


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_plan_confirmation_sms_shows_the_first_installments(locale: str) -> None:
    body = get_template_text("plan.confirmation", "sms", locale).body
    long_plan = _render(body, _sample())
    assert all(i["due_date"] in long_plan for i in _SCHEDULE[:3])
    assert not any(i["due_date"] in long_plan for i in _SCHEDULE[3:])
    assert "..." in long_plan or "……" in long_plan
    short_plan = _render(body, _sample(schedule=_SCHEDULE[:2]))
    assert "..." not in short_plan and "……" not in short_plan
    assert "<cooling_off_until>" in short_plan and "<portal_url>" in short_plan


def test_contact_prompt_offers_the_not_me_route() -> None:
    assert "If this is not you, tell us with the link and we will not contact this number again." in (
        get_template_text("contact.prompt", "sms", "en").body
    )
    assert "we will not contact this address again" in get_template_text("contact.prompt", "email", "en").body
    for channel in ("sms", "email"):
        assert "如果您不是本人" in get_template_text("contact.prompt", channel, "zh-hans").body


def test_wrong_party_acknowledgement_says_nothing_else() -> None:
    en = get_template_text("wrong_party.acknowledgement", "sms", "en").body
    assert en == "{{ sender_name }}: Thank you. This number has been removed and will not be contacted again."
    for locale in LOCALES:
        body = get_template_text("wrong_party.acknowledgement", "sms", locale).body
        assert _used_variables(body)[0] == {"sender_name"}


@pytest.mark.parametrize("channel", ["email", "letter"])
@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_debt_information_is_the_full_breakdown(channel: str, locale: str) -> None:
    roots, _ = _used_variables(get_template_text("debt.information", channel, locale).body)
    assert roots >= {
        "customer_name", "lender_name", "account_masked", "principal", "interest", "fees",
        "penalty_interest", "total_due", "currency", "interest_rate_apr", "penalty_rate_apr",
        "days_past_due", "dispute_by", "portal_url", "contact_phone", "credit_report_text", "reference",
    }


# ---------------------------------------------------------------- the renderer's plain-text path


def _values(case: int) -> dict[str, Any]:
    """Context values of the kinds the product passes (text, ints, a missing name), varied per case, plus
    kinds the plain path leaves to Django (None, Decimal, a date, a bool)."""
    from datetime import date
    from decimal import Decimal

    kinds: list[Any] = [
        lambda n: f"{n} <&> 名字 {{ }}",
        lambda n: len(n) * 7 - 40,
        lambda n: "",
        None,  # the name is left out of the context
        lambda n: None,
        lambda n: Decimal("1234.50"),
        lambda n: date(2026, 6, 1),
        lambda n: True,
    ]
    ctx: dict[str, Any] = {"is_freeze": case % 2 == 0, "schedule": _SCHEDULE}
    for i, name in enumerate(sorted(set(CONTEXT_VARIABLES) - set(ctx))):
        kind = kinds[(i + case) % (len(kinds) if case >= 4 else 4)]
        if kind is not None:
            ctx[name] = kind(name)
    return ctx


@pytest.mark.parametrize("case", range(8))
@pytest.mark.parametrize("t", LIBRARY, ids=_id)
def test_the_renderer_gives_what_djangos_engine_gives(t: TemplateText, case: int) -> None:
    """``rendering.render`` skips the engine for plain ``{{ name }}`` texts with text and int values; for
    every text the product ships and every kind of value, its output is the engine's."""
    from types import SimpleNamespace

    from notifications.rendering import render

    ctx = _values(case)
    template = SimpleNamespace(subject=t.subject, body=t.body)
    subject, body, _digest = render(template, ctx)  # type: ignore[arg-type]
    assert subject == (_render(t.subject, ctx).strip() if t.subject else "")
    assert body == _render(t.body, ctx).strip()


@pytest.mark.parametrize(
    "source",
    [
        "{{ None }}|{{ True }}|{{ a }}",
        "{{a}}{{  b  }}{% if a %}x{% endif %}",
        "{# note #}{{ a }}",
        "{{ a|upper }} {{ b }}",
        "{{ a.b }} {{ c }}",
        "}} {{ a }} {{",
        "{{ _a }}",
        "plain, no variables",
    ],
)
def test_any_other_syntax_renders_as_djangos_engine_renders_it(source: str) -> None:
    from types import SimpleNamespace

    from django.template import TemplateSyntaxError

    from notifications.rendering import render

    ctx = {"a": "x", "b": 3, "c": "y"}
    try:
        expected = _render(source, ctx).strip()
    except TemplateSyntaxError:
        with pytest.raises(TemplateSyntaxError):
            render(SimpleNamespace(subject="", body=source), ctx)  # type: ignore[arg-type]
        return
    assert render(SimpleNamespace(subject="", body=source), ctx)[1] == expected  # type: ignore[arg-type]
