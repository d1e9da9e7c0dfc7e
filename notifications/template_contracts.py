"""What each notice template key receives and what its text must say: the contract a version is checked
against before it is saved, before it is approved, and (for the values) when it is sent (issue 12).

A key declares the names its context carries (with their kind: text, flag or list) and, per channel, the
blocks the customer is owed: who is writing (the lender's name; the neutral sender for limited content),
how to reach us, the opt-out line in every SMS and email, and the dispute rights where the law requires
them. ``check_template`` refuses, with reasons:

* a name the key does not declare (it would render as a blank), a tag other than ``if``/``for``/
  ``comment``, a syntax error;
* a missing required block;
* a render with an empty value, or an empty text, for any pack's sample context (``sample_context``: the
  pack's own contacts, currency and a customer in that country).

``render_checked`` is the send-time side: a value that is missing or empty where the text prints it
raises ``MissingTemplateValue`` instead of sending a blank.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import Lexer, TokenType

from debt_collections.errors import InvalidInput
from debt_collections.policies.contacts import contacts_for
from debt_collections.policies.packs import PACK_CODES
from notifications.template_library import CHANNELS_BY_KEY, LIMITED_KEYS

__all__ = [
    "CONTRACTS",
    "MissingTemplateValue",
    "Preview",
    "TemplateContract",
    "check_template",
    "preview",
    "template_refusal",
    "contract_for",
    "render_checked",
    "sample_context",
]

TEXT, FLAG, LIST = "text", "flag", "list"

# Every template may use these (limited content too): nothing about the debt.
BASE_NAMES: Final = {
    "sender_name": TEXT,
    "contact_phone": TEXT,
    "contact_phone_uri": TEXT,
    "contact_email": TEXT,
    "portal_url": TEXT,
    "reference": TEXT,
    "opt_out_url": TEXT,
}
# Only texts that are not limited content: the customer, the account, the lender.
DEBT_NAMES: Final = {
    "lender_name": TEXT,
    "customer_name": TEXT,
    "account_masked": TEXT,
    "currency": TEXT,
    "principal": TEXT,
    "interest": TEXT,
    "fees": TEXT,
    "penalty_interest": TEXT,
    "total_due": TEXT,
    "interest_rate_apr": TEXT,
    "penalty_rate_apr": TEXT,
    "days_past_due": TEXT,
    "due_date": TEXT,
    "dispute_by": TEXT,
    "credit_report_text": TEXT,
    "report_eligible_date": TEXT,
    "retention_text": TEXT,
    "complaint_escalation": TEXT,
}
# What each key's service adds to the context (``Notice.context``).
EXTRA_NAMES: Final[dict[str, dict[str, str]]] = {
    "plan.confirmation": {"plan_kind": TEXT, "plan_total": TEXT, "schedule": LIST, "cooling_off_until": TEXT},
    "plan.broken": {"plan_kind": TEXT, "missed_amount": TEXT, "missed_due_date": TEXT},
    "credit_limit.notice": {
        "old_limit": TEXT,
        "new_limit": TEXT,
        "is_freeze": FLAG,
        "reason_text": TEXT,
        "effective_date": TEXT,
        "appeal_url": TEXT,
    },
    "credit_limit.appeal_outcome": {"appeal_outcome": TEXT, "appeal_outcome_text": TEXT},
    "dispute.acknowledgement": {"dispute_kind": TEXT, "dispute_due_date": TEXT},
    "dispute.outcome": {"dispute_kind": TEXT, "dispute_outcome": TEXT, "dispute_outcome_text": TEXT},
    "opt_out.confirmation": {"channel_label": TEXT},
    "promise.confirmation": {"promise_amount": TEXT, "promise_due_date": TEXT},
    "payment.receipt": {"payment_amount": TEXT, "payment_date": TEXT, "balance_after": TEXT},
}
# Names whose sample value shows the customer how to reach us.
REACH_US: Final = ("contact_phone", "contact_phone_uri", "contact_email", "portal_url", "appeal_url")
# Where the law requires the dispute rights in the text: the validation notice (Reg F 1006.34; the other
# packs follow it by design) names the last day to dispute; a dispute's outcome names where to escalate.
DISPUTE_RIGHTS: Final = {"debt.information": "dispute_by", "dispute.outcome": "complaint_escalation"}
# Keys exempt from a block, with why (a reviewer reads this, not only the code).
# wrong_party.acknowledgement: the last message to a number that was just removed for good (nothing to opt
# out of, nobody to reach). dispute.acknowledgement by SMS: it answers the customer's own request and names
# the date we will reply by; its email version carries the phone number and the page.
NO_OPT_OUT: Final = frozenset({"wrong_party.acknowledgement"})
NO_REACH_US: Final[dict[str, tuple[str, ...]]] = {
    "wrong_party.acknowledgement": ("sms",),
    "dispute.acknowledgement": ("sms",),
}
ALLOWED_TAGS: Final = frozenset(
    {"if", "elif", "else", "endif", "for", "empty", "endfor", "comment", "endcomment"}
)
IF_WORDS: Final = frozenset({"and", "or", "not", "in", "is", "None", "True", "False"})
MISSING = "\x00MISSING:"


@dataclass(frozen=True)
class TemplateContract:
    key: str
    channels: tuple[str, ...]
    limited: bool
    names: dict[str, str]  # name -> kind (text, flag, list)

    def required_blocks(self, channel: str) -> dict[str, tuple[str, ...]]:
        """Block label -> the names any one of which must appear (rendered) in a text on ``channel``."""
        blocks: dict[str, tuple[str, ...]] = {}
        blocks["who is writing (the lender's name)" if not self.limited else "the sender's name"] = (
            ("sender_name",) if self.limited else ("lender_name",)
        )
        if channel not in NO_REACH_US.get(self.key, ()):
            blocks["how to reach us"] = tuple(n for n in REACH_US if n in self.names)
        if channel in ("sms", "email") and self.key not in NO_OPT_OUT:
            blocks["the opt-out line"] = ("opt_out_url",)
        if self.key in DISPUTE_RIGHTS:
            blocks["the dispute rights"] = (DISPUTE_RIGHTS[self.key],)
        return blocks


def _contract(key: str) -> TemplateContract:
    limited = key in LIMITED_KEYS
    names = dict(BASE_NAMES) if limited else {**BASE_NAMES, **DEBT_NAMES}
    names.update(EXTRA_NAMES.get(key, {}))
    return TemplateContract(key=key, channels=CHANNELS_BY_KEY[key], limited=limited, names=names)


CONTRACTS: Final = {key: _contract(key) for key in CHANNELS_BY_KEY}


def contract_for(key: str) -> TemplateContract | None:
    return CONTRACTS.get(key)


# --- sample contexts: one customer per pack --------------------------------------------------------

_PEOPLE = {"CN": ("王芳", "CNY"), "US": ("Jordan Miller", "USD"), "UK": ("Freya Taylor", "GBP")}
_LABELS = {
    "zh-hans": {
        "plan_kind": "分期还款方案",
        "dispute_kind": "异议",
        "dispute_outcome": "部分成立",
        "dispute_outcome_text": "经核实，您账户中一笔费用收取有误，我们已予以退还。",
        "appeal_outcome": "调整撤销",
        "appeal_outcome_text": "经人工复核，本次额度调整已撤销，您的额度恢复为原额度。",
        "reason_text": "近期还款记录显示还款困难。",
        "credit_report_text": "逾期信息将报送征信机构。",
        "retention_text": "该信息自结清之日起保存5年。",
        "channel_label": "短信",
    },
    "en": {
        "plan_kind": "installment plan",
        "dispute_kind": "dispute",
        "dispute_outcome": "partly upheld",
        "dispute_outcome_text": "We found that one fee was charged in error and have refunded it.",
        "appeal_outcome": "the change is reversed",
        "appeal_outcome_text": "A member of staff reviewed the change and reversed it; your limit is back.",
        "reason_text": "Recent payments show difficulty in repaying.",
        "credit_report_text": "The missed payments will be reported to the credit bureau.",
        "retention_text": "The information stays on file for 6 years.",
        "channel_label": "SMS",
    },
}


def sample_context(
    key: str, pack: str, locale: str, *, lender_name: str = "Harbour Consumer Finance"
) -> dict[str, Any]:
    """A full, plausible context for ``key`` for a customer of ``pack`` writing in ``locale``: every declared
    name has a non-empty value taken from the pack where the pack decides it (contacts, currency)."""
    contract = CONTRACTS[key]
    contacts = contacts_for(pack)
    name, currency = _PEOPLE.get(pack, ("Sample Customer", "CNY"))
    labels = _LABELS.get(locale, _LABELS["en"])
    values: dict[str, Any] = {
        "sender_name": "Harbour Services",
        "contact_phone": contacts.lender_phone.display,
        "contact_phone_uri": contacts.lender_phone.tel_uri,
        "contact_email": contacts.lender_email.email,
        "portal_url": "https://pay.example/n/SAMPLE-LINK/",
        "reference": "C0012345",
        "opt_out_url": "https://pay.example/o/SAMPLE-OPT-OUT/",
        "lender_name": lender_name,
        "customer_name": name,
        "account_masked": "****0058",
        "currency": currency,
        "principal": "5,000.00",
        "interest": "300.00",
        "fees": "100.00",
        "penalty_interest": "50.00",
        "total_due": "5,450.00",
        "interest_rate_apr": "18.25",
        "penalty_rate_apr": "9.13",
        "days_past_due": 42,
        "due_date": "2026-02-01",
        "dispute_by": "2026-04-01",
        "report_eligible_date": "2026-03-16",
        "complaint_escalation": contacts.escalation_text(locale),
        "plan_total": "5,460.00",
        "schedule": [
            {"number": i, "due_date": f"2026-0{i + 2}-01", "amount": "1,365.00"} for i in range(1, 5)
        ],
        "cooling_off_until": "2026-03-16",
        "missed_amount": "1,365.00",
        "missed_due_date": "2026-04-01",
        "old_limit": "20,000.00",
        "new_limit": "12,000.00",
        "is_freeze": False,
        "effective_date": "2026-04-01",
        "appeal_url": "https://pay.example/n/SAMPLE-LINK/#limits",
        "dispute_due_date": "2026-03-20",
        "promise_amount": "1,000.00",
        "promise_due_date": "2026-03-09",
        "payment_amount": "1,000.00",
        "payment_date": "2026-03-02",
        "balance_after": "4,450.00",
        **labels,
    }
    return {n: values[n] for n in contract.names if n in values}


# --- static check of the source ---------------------------------------------------------------------


def _root(expression: str) -> str | None:
    """The context name an expression starts from (``schedule|length`` → ``schedule``), or None for a
    literal."""
    match = re.match(r"[A-Za-z_]\w*", expression.strip())
    return match.group(0) if match else None


def used_names(source: str) -> tuple[set[str], set[str], list[str]]:
    """(names read from the context, loop variables, problems) of a template source."""
    used: set[str] = set()
    loop_vars: set[str] = {"forloop"}
    problems: list[str] = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.VAR:
            root = _root(token.contents)
            if root:
                used.add(root)
        elif token.token_type == TokenType.BLOCK:
            words = token.contents.split()
            tag = words[0] if words else ""
            if tag not in ALLOWED_TAGS:
                problems.append(
                    f"the tag {{% {tag} %}} is not allowed in a notice (only if, for and comment)"
                )
            elif tag == "for" and "in" in words:
                at = words.index("in")
                loop_vars.update(w.strip(",") for w in words[1:at] if w.strip(","))
                root = _root(" ".join(words[at + 1 :]))
                if root:
                    used.add(root)
            elif tag in ("if", "elif"):
                for word in words[1:]:
                    root = _root(word)
                    if root and root not in IF_WORDS and not word[:1].isdigit():
                        used.add(root)
    return used - loop_vars, loop_vars, problems


# --- rendering with a check for blanks --------------------------------------------------------------

_ENGINE = Engine(autoescape=False, debug=False, string_if_invalid=MISSING + "%s\x00")


class _Blank:
    """Stands for an empty value: false in ``{% if %}``, a marker when printed."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return f"{MISSING}{self.name}\x00"

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


class MissingTemplateValue(InvalidInput):
    """A value the text prints is missing or empty: the notice is not sent with a blank."""

    code = "template_value_missing"

    def __init__(self, names: list[str]) -> None:
        self.names = sorted(set(names))
        super().__init__(
            "The notice would print an empty value for: " + ", ".join(self.names) + ". It was not sent."
        )


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    return _ENGINE.from_string(source)


def _guarded(context: dict[str, Any]) -> dict[str, Any]:
    return {k: (_Blank(k) if v is None or v == "" or v == [] else v) for k, v in context.items()}


def render_checked(subject: str, body: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, body, sha256) like ``rendering.render``; raises ``MissingTemplateValue`` when a value
    that is printed is missing or empty, or when the body comes out empty."""
    ctx = Context(_guarded(context), autoescape=False)
    rendered_subject = _compiled(subject).render(ctx).strip() if subject else ""
    rendered_body = _compiled(body).render(ctx).strip()
    missing = re.findall(re.escape(MISSING) + r"([^\x00]*)\x00", rendered_subject + rendered_body)
    # An empty list prints nothing: a text that loops over it would leave its lines out silently.
    missing += [
        k for k, v in context.items() if v == [] and re.search(rf"\b{re.escape(k)}\b", subject + body)
    ]
    if missing or not rendered_body:
        raise MissingTemplateValue(missing or ["(the whole text)"])
    digest = hashlib.sha256(f"{rendered_subject}\n{rendered_body}".encode()).hexdigest()
    return rendered_subject, rendered_body, digest


# --- the check -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    pack: str
    locale: str
    subject: str
    body: str
    problems: tuple[str, ...]


def preview(*, key: str, channel: str, locale: str, subject: str, body: str) -> list[Preview]:
    """The text rendered with each pack's sample context (what the approval page shows)."""
    if key not in CONTRACTS:
        return []
    previews = []
    for pack in PACK_CODES:
        context = sample_context(key, pack, locale)
        try:
            s, b, _digest = render_checked(subject, body, context)
        except MissingTemplateValue as exc:
            previews.append(Preview(pack, locale, "", "", (exc.message,)))
            continue
        except TemplateSyntaxError as exc:
            previews.append(Preview(pack, locale, "", "", (f"syntax error: {exc}",)))
            continue
        problems = []
        for label, names in CONTRACTS[key].required_blocks(channel).items():
            shown = [str(context[n]) for n in names if n in context]
            if not any(value and value in f"{s}\n{b}" for value in shown):
                problems.append(f"missing {label}")
        previews.append(Preview(pack, locale, s, b, tuple(problems)))
    return previews


def check_template(
    *, key: str, channel: str, locale: str, subject: str, body: str, limited_content: bool
) -> list[str]:
    """Every reason this version may not be saved or approved (empty when it is fine)."""
    contract = CONTRACTS.get(key)
    if contract is None:
        return [f"'{key}' is not a known template key (known: {', '.join(sorted(CONTRACTS))})"]
    problems: list[str] = []
    if channel not in contract.channels:
        problems.append(f"'{key}' is not sent by {channel} (only {', '.join(contract.channels)})")
    if limited_content != contract.limited:
        problems.append(
            f"'{key}' is {'' if contract.limited else 'not '}limited content: set limited content "
            f"{'on' if contract.limited else 'off'}"
        )
    for part, source in (("subject", subject), ("body", body)):
        try:
            names, _loops, tag_problems = used_names(source)
            _compiled(source)
        except TemplateSyntaxError as exc:
            problems.append(f"the {part} has a syntax error: {exc}")
            continue
        problems += [f"{p} (in the {part})" for p in tag_problems]
        undeclared = sorted(names - set(contract.names))
        if undeclared:
            problems.append(
                f"the {part} uses {', '.join('{{ ' + n + ' }}' for n in undeclared)}, which '{key}' does "
                "not receive (it would print as a blank)"
            )
    if channel == "email" and not subject.strip():
        problems.append("an email needs a subject")
    if problems:
        return problems
    packs_by_problem: dict[str, list[str]] = {}
    for p in preview(key=key, channel=channel, locale=locale, subject=subject, body=body):
        for problem in p.problems:
            packs_by_problem.setdefault(problem, []).append(p.pack)
    return [f"{problem} (for {', '.join(packs)} customers)" for problem, packs in packs_by_problem.items()]


def template_refusal(problems: list[str], *, doing: str) -> InvalidInput:
    return InvalidInput(
        f"This template cannot be {doing}: " + "; ".join(problems) + ".", code="template_invalid"
    )
