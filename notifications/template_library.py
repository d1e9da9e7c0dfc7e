"""The standardized notice texts, in ``zh-hans`` and ``en`` (DESIGN.md §6).

Pure Python on purpose: this module is the reviewed source text that compliance approves into
``NoticeTemplate`` versions (a seed or a data migration loads it); it imports nothing from Django.

Conventions every text follows (and ``tests/notifications/test_template_library.py`` checks):

* bodies are Django template syntax, rendered with autoescape off (plain text, not HTML);
* amounts, dates and rates arrive as ready-formatted strings (the renderer formats them for the locale);
* every SMS and email body except ``wrong_party.acknowledgement`` ends with the opt-out line
  (``OPT_OUT_LINE``); letters carry ``{{ contact_phone }}`` instead;
* every text that is not limited content carries ``{{ reference }}``;
* limited-content texts (``limited_content=True``) use only ``LIMITED_CONTEXT_VARIABLES`` and never say
  what the contact is about: no amount, no creditor, no customer name, no debt wording. They are the only
  texts the ``DISCLOSURE`` rule lets through to an unverified contact point (Reg F 1006.2(j) is the model);
* plain, respectful wording: no threats, no shaming, no pressure, no mention of family or employers, and no
  consequence the lender does not intend or may not lawfully take. Texts cite no statute, because the
  locale does not decide the jurisdiction (a policy pack does).
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import dedent

__all__ = [
    "CHANNELS_BY_KEY",
    "CONTEXT_VARIABLES",
    "LIBRARY",
    "LIMITED_CONTEXT_VARIABLES",
    "LIMITED_KEYS",
    "LOCALES",
    "OPT_OUT_LINE",
    "SERVICE_KEYS",
    "TemplateText",
    "get_template_text",
]


@dataclass(frozen=True)
class TemplateText:
    key: str
    channel: str  # "sms" | "email" | "letter"
    locale: str  # "zh-hans" | "en"
    subject: str  # "" for sms
    body: str  # Django template syntax
    limited_content: bool
    is_service: bool


# Every name a text may use at the top level of its context. Amounts, dates and rates are strings the
# renderer has already formatted for the locale; labels are already translated.
CONTEXT_VARIABLES: frozenset[str] = frozenset({
    # -- safe in limited-content texts (see LIMITED_CONTEXT_VARIABLES) --
    "sender_name",  # neutral sender name that reveals neither the lender nor the purpose, e.g. "客户服务中心"
    "contact_phone",  # the phone number the customer can call us on
    "portal_url",  # the customer's negotiation-page link (/n/<token>/): verification first, then details
    "reference",  # opaque reference to quote when calling; reveals nothing by itself
    "opt_out_url",  # one-click opt-out link for the channel the message came on
    "channel_label",  # translated name of the channel opted out of, e.g. "短信" / "SMS"
    # -- the customer and the account (never in limited content) --
    "customer_name",  # the customer's name as the lender holds it
    "lender_name",  # the creditor's trading name (also the SMS signature, 【...】 in zh)
    "account_masked",  # account number with all but the last digits masked, e.g. "****1234"
    "currency",  # currency label for the locale, e.g. "元" / "CNY"; follows the amount
    # -- balance and rates --
    "principal",  # outstanding principal
    "interest",  # outstanding contractual interest
    "fees",  # outstanding fees
    "penalty_interest",  # outstanding penalty (default) interest
    "total_due",  # the total now due (the sum of the four above)
    "interest_rate_apr",  # contractual interest rate, annualised, number without "%"
    "penalty_rate_apr",  # penalty interest rate, annualised, number without "%"
    "due_date",  # the date the missed payment fell due (reminders)
    "days_past_due",  # whole days since due_date
    # -- disputes and complaints --
    "dispute_by",  # last day the customer can dispute the debt information (policy dispute window)
    "dispute_kind",  # translated label: "dispute" / "complaint" ("异议" / "投诉")
    "dispute_due_date",  # date by which we will answer (policy SLA)
    "dispute_outcome",  # translated outcome label, e.g. "upheld" / "partly upheld" / "not upheld"
    "dispute_outcome_text",  # one or more full sentences explaining the outcome and its reasons
    "complaint_escalation",  # full sentence naming where to escalate, e.g. the regulator's complaint line
    # -- credit reporting --
    "credit_report_text",  # full sentence: what will be reported to the credit bureau and when (computed)
    "report_eligible_date",  # earliest date negative information may be reported (pre-notice + N days)
    "retention_text",  # full sentence: how long the information stays on file
    # -- plans --
    "plan_kind",  # translated plan label, e.g. "installment plan" / "分期还款方案"
    "plan_total",  # total payable under the plan
    "schedule",  # list of installments, each with .number, .due_date and .amount (strings), in order
    "cooling_off_until",  # last day the plan can be withdrawn from without penalty
    "missed_amount",  # the missed installment's amount
    "missed_due_date",  # the missed installment's due date
    # -- credit-limit changes --
    "old_limit",  # current credit limit
    "new_limit",  # credit limit after the change (unused when is_freeze)
    "is_freeze",  # bool: the line is frozen rather than reduced
    "reason_text",  # full sentence: the reason for the change (from the reason code)
    "effective_date",  # date the change takes effect (after the advance-notice period)
    "appeal_url",  # link to appeal the change; appeals go to a person (human review)
    # -- credit-limit appeals --
    "appeal_outcome",  # translated decision label: "the change stands" / "the change is reversed"
    "appeal_outcome_text",  # full sentences: what the person who reviewed it decided, the limit now, and why
    # -- promises to pay and payments (issue 14) --
    "promise_amount",  # the amount the customer promised to pay
    "promise_due_date",  # the customer's local date by which they promised to pay
    "payment_amount",  # the amount of the payment received
    "payment_date",  # the customer's local date the payment was received
    "balance_after",  # what is still owed after the payment
})

# The only names a limited-content text may use: nothing that says who the creditor is or what it is about.
LIMITED_CONTEXT_VARIABLES: frozenset[str] = frozenset(
    {"sender_name", "contact_phone", "portal_url", "reference", "opt_out_url", "channel_label"}
)

LOCALES: tuple[str, ...] = ("zh-hans", "en")

# The last line of every SMS and email body (except wrong_party.acknowledgement).
OPT_OUT_LINE: dict[str, str] = {
    "zh-hans": "退订请点击 {{ opt_out_url }}",
    "en": "Stop these messages: {{ opt_out_url }}",
}

# Which channels each key ships in (every channel in both locales).
CHANNELS_BY_KEY: dict[str, tuple[str, ...]] = {
    "reminder.soft": ("sms", "email"),
    "reminder.firm": ("sms", "email"),
    "contact.prompt": ("sms", "email"),
    "debt.information": ("sms", "email", "letter"),
    "plan.offer": ("sms", "email"),
    "plan.confirmation": ("sms", "email"),
    "plan.broken": ("sms", "email"),
    "credit_report.pre_notice": ("sms", "email", "letter"),
    "credit_limit.notice": ("sms", "email", "letter"),
    "credit_limit.appeal_outcome": ("sms", "email"),
    "dispute.acknowledgement": ("sms", "email"),
    "dispute.outcome": ("sms", "email"),
    "wrong_party.acknowledgement": ("sms",),
    "opt_out.confirmation": ("sms", "email"),
    "promise.confirmation": ("sms", "email"),  # issue 14
    "payment.receipt": ("sms", "email"),  # issue 14
}

# Limited content: safe for an unverified contact point (DISCLOSURE rule).
LIMITED_KEYS: frozenset[str] = frozenset(
    {"contact.prompt", "wrong_party.acknowledgement", "opt_out.confirmation"}
)

# Service notices the customer is owed even while the case is on hold.
SERVICE_KEYS: frozenset[str] = frozenset({
    # A legally required advance notice: it goes out even while collection is on hold.
    "credit_limit.notice",
    # A person's decision on the customer's appeal against a limit change: owed whatever the case's state.
    "credit_limit.appeal_outcome",
    "plan.confirmation",
    "dispute.acknowledgement",
    "dispute.outcome",
    "wrong_party.acknowledgement",
    "opt_out.confirmation",
    # Confirmations of what the customer did (issue 14): owed whatever the case's state.
    "promise.confirmation",
    "payment.receipt",
})


def _t(key: str, channel: str, locale: str, subject: str, body: str) -> TemplateText:
    return TemplateText(
        key=key,
        channel=channel,
        locale=locale,
        subject=subject,
        body=dedent(body).strip("\n"),
        limited_content=key in LIMITED_KEYS,
        is_service=key in SERVICE_KEYS,
    )


LIBRARY: tuple[TemplateText, ...] = (
    # ------------------------------------------------------------------ reminder.soft
    _t("reminder.soft", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，温馨提示：您账户{{ account_masked }}应还款{{ total_due }} {{ currency }}已于{{ due_date }}到期，如已还款请忽略。还款或查看方案：{{ portal_url }} 参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("reminder.soft", "sms", "en", "", """
        {{ lender_name }}: Dear {{ customer_name }}, a friendly reminder that {{ total_due }} {{ currency }} on account {{ account_masked }} was due on {{ due_date }}. Already paid? Thank you. Pay or see options: {{ portal_url }} Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("reminder.soft", "email", "zh-hans", "还款提醒：账户{{ account_masked }}", """
        尊敬的{{ customer_name }}：

        您好！温馨提示，您在{{ lender_name }}的账户{{ account_masked }}应还款{{ total_due }} {{ currency }}，已于{{ due_date }}到期。可能是您一时疏忽，特此提醒。

        如您已还款，请忽略本提醒，谢谢。

        您可以通过 {{ portal_url }} 还款或查看可选的还款方案。如有疑问，或近期还款确有困难，请致电{{ contact_phone }}，我们将尽力为您提供帮助。

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("reminder.soft", "email", "en", "Payment reminder for account {{ account_masked }}", """
        Dear {{ customer_name }},

        This is a friendly reminder that the payment of {{ total_due }} {{ currency }} on your account {{ account_masked }} was due on {{ due_date }}. It may simply have slipped your mind.

        If you have already paid, thank you, and please ignore this message.

        You can pay, or see the options available to you, at {{ portal_url }}. If you have any questions, or if paying is difficult at the moment, please call us on {{ contact_phone }} and we will do our best to help.

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ reminder.firm
    _t("reminder.firm", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，您账户{{ account_masked }}应还款{{ total_due }} {{ currency }}已逾期{{ days_past_due }}天，请尽快还款；如有困难，可通过 {{ portal_url }} 或致电{{ contact_phone }}商定还款方案。参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("reminder.firm", "sms", "en", "", """
        {{ lender_name }}: Dear {{ customer_name }}, {{ total_due }} {{ currency }} on account {{ account_masked }} is now {{ days_past_due }} days past due. Please pay, or contact us to agree a plan: {{ portal_url }} or {{ contact_phone }}. Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("reminder.firm", "email", "zh-hans", "账户{{ account_masked }}还款逾期提醒", """
        尊敬的{{ customer_name }}：

        您好！您在{{ lender_name }}的账户{{ account_masked }}应还款{{ total_due }} {{ currency }}，目前已逾期{{ days_past_due }}天，我们尚未收到您的还款。

        请您尽快还款，或与我们联系，商定一个您能够承受的还款安排。我们可以为您办理分期还款或延期还款；如您确有经济困难，还可申请减免罚息及费用。各方案及其总费用可在 {{ portal_url }} 查看。

        如您对应还金额有异议，请通过 {{ portal_url }} 或致电{{ contact_phone }}告知我们，我们将及时核实。

        如您已还款，请忽略本通知，谢谢。

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("reminder.firm", "email", "en", "Your account {{ account_masked }} is past due", """
        Dear {{ customer_name }},

        The payment of {{ total_due }} {{ currency }} on your account {{ account_masked }} is now {{ days_past_due }} days past due, and we have not yet received it.

        Please pay the amount due, or contact us so that we can agree an arrangement you can afford. We can offer an installment plan or a deferral, and if you are in financial hardship you can ask us to waive penalty interest and fees. You can see each option and its total cost at {{ portal_url }}.

        If you believe the amount is wrong, please tell us at {{ portal_url }} or on {{ contact_phone }} and we will look into it.

        If you have already paid, thank you, and please ignore this message.

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ contact.prompt (limited content)
    _t("contact.prompt", "sms", "zh-hans", "", """
        【{{ sender_name }}】您好，请致电{{ contact_phone }}或访问 {{ portal_url }} 与我们联系，参考编号{{ reference }}。如果您不是本人，请通过该链接告知我们，我们将不再联系此号码。
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("contact.prompt", "sms", "en", "", """
        {{ sender_name }}: Please call us on {{ contact_phone }} or open {{ portal_url }} and quote reference {{ reference }}. If this is not you, tell us with the link and we will not contact this number again.
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("contact.prompt", "email", "zh-hans", "{{ sender_name }}：请与我们联系", """
        您好：

        请致电{{ contact_phone }}或访问 {{ portal_url }} 与{{ sender_name }}联系，并提供参考编号{{ reference }}。

        如果您不是本人，请通过该链接告知我们，我们将不再联系此邮箱地址。

        {{ sender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("contact.prompt", "email", "en", "Please get in touch with {{ sender_name }}", """
        Hello,

        Please call {{ sender_name }} on {{ contact_phone }}, or open {{ portal_url }}, and quote reference {{ reference }}.

        If this is not you, tell us with the link and we will not contact this address again.

        {{ sender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ debt.information
    _t("debt.information", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，您账户{{ account_masked }}合计应还{{ total_due }} {{ currency }}（含本金、利息、费用及罚息）。明细、还款方案及异议申请（{{ dispute_by }}前）请见 {{ portal_url }} 参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("debt.information", "sms", "en", "", """
        {{ lender_name }}: Dear {{ customer_name }}, account {{ account_masked }} has {{ total_due }} {{ currency }} due. Breakdown, options, and how to dispute by {{ dispute_by }}: {{ portal_url }} Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("debt.information", "email", "zh-hans", "账户{{ account_masked }}欠款明细及还款方案告知", """
        尊敬的{{ customer_name }}：

        您好！现将您在{{ lender_name }}的账户{{ account_masked }}的欠款情况、您的权利及可选的还款方案告知如下。

        一、欠款明细（币种：{{ currency }}）
        本金：{{ principal }}
        利息：{{ interest }}
        费用：{{ fees }}
        罚息：{{ penalty_interest }}
        合计应还：{{ total_due }}

        二、利率及逾期情况
        年化利率{{ interest_rate_apr }}%，罚息年化利率{{ penalty_rate_apr }}%。目前已逾期{{ days_past_due }}天。

        三、异议处理
        如您对上述全部或部分金额有异议，请于{{ dispute_by }}前通过 {{ portal_url }} 或致电{{ contact_phone }}提出。核实期间我们将暂停催收，并将处理结果书面告知您。

        四、征信报送
        {{ credit_report_text }}

        五、还款方案
        如一次性还清确有困难，您可以申请分期还款、延期还款；如确有经济困难，还可申请减免罚息及费用。各方案及其总费用可在 {{ portal_url }} 查看对比，由您自主选择。

        六、联系我们
        如有疑问，请访问 {{ portal_url }} 或致电{{ contact_phone }}。办理时请提供参考编号{{ reference }}。

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("debt.information", "email", "en", "Your account {{ account_masked }}: balance, your rights and your options", """
        Dear {{ customer_name }},

        This notice from {{ lender_name }} sets out what is due on your account {{ account_masked }}, your rights, and the options open to you.

        What is due ({{ currency }})
        Principal: {{ principal }}
        Interest: {{ interest }}
        Fees: {{ fees }}
        Penalty interest: {{ penalty_interest }}
        Total due: {{ total_due }}

        Rates and status
        Interest rate: {{ interest_rate_apr }}% a year. Penalty interest rate: {{ penalty_rate_apr }}% a year. The account is {{ days_past_due }} days past due.

        If you think any of this is wrong
        You can dispute all or part of it until {{ dispute_by }}, at {{ portal_url }} or by calling {{ contact_phone }}. While we look into a dispute we put collection on hold, and we will give you our answer in writing.

        Credit reporting
        {{ credit_report_text }}

        Your options
        If paying in full is difficult, you can ask for an installment plan or a deferral, and if you are in financial hardship you can ask us to waive penalty interest and fees. Each option is shown with its total cost, side by side, at {{ portal_url }}, and the choice is yours.

        How to reach us
        Call {{ contact_phone }} or visit {{ portal_url }}. Please quote reference {{ reference }}.

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("debt.information", "letter", "zh-hans", "欠款明细及还款方案告知书", """
        尊敬的{{ customer_name }}：

        您好！现将您在{{ lender_name }}的账户{{ account_masked }}的欠款情况、您的权利及可选的还款方案告知如下。

        一、欠款明细（币种：{{ currency }}）
        本金：{{ principal }}
        利息：{{ interest }}
        费用：{{ fees }}
        罚息：{{ penalty_interest }}
        合计应还：{{ total_due }}

        二、利率及逾期情况
        年化利率{{ interest_rate_apr }}%，罚息年化利率{{ penalty_rate_apr }}%。目前已逾期{{ days_past_due }}天。

        三、异议处理
        如您对上述全部或部分金额有异议，请于{{ dispute_by }}前通过 {{ portal_url }} 或致电{{ contact_phone }}提出。核实期间我们将暂停催收，并将处理结果书面告知您。

        四、征信报送
        {{ credit_report_text }}

        五、还款方案
        如一次性还清确有困难，您可以申请分期还款、延期还款；如确有经济困难，还可申请减免罚息及费用。各方案及其总费用可在 {{ portal_url }} 查看对比，由您自主选择。

        六、联系我们
        如有疑问，请访问 {{ portal_url }} 或致电{{ contact_phone }}。办理时请提供参考编号{{ reference }}。

        特此告知。

        {{ lender_name }}
    """),  # noqa: E501
    _t("debt.information", "letter", "en", "Your account {{ account_masked }}: balance, your rights and your options", """
        Dear {{ customer_name }},

        This letter from {{ lender_name }} sets out what is due on your account {{ account_masked }}, your rights, and the options open to you.

        What is due ({{ currency }})
        Principal: {{ principal }}
        Interest: {{ interest }}
        Fees: {{ fees }}
        Penalty interest: {{ penalty_interest }}
        Total due: {{ total_due }}

        Rates and status
        Interest rate: {{ interest_rate_apr }}% a year. Penalty interest rate: {{ penalty_rate_apr }}% a year. The account is {{ days_past_due }} days past due.

        If you think any of this is wrong
        You can dispute all or part of it until {{ dispute_by }}, at {{ portal_url }} or by calling {{ contact_phone }}. While we look into a dispute we put collection on hold, and we will give you our answer in writing.

        Credit reporting
        {{ credit_report_text }}

        Your options
        If paying in full is difficult, you can ask for an installment plan or a deferral, and if you are in financial hardship you can ask us to waive penalty interest and fees. Each option is shown with its total cost, side by side, at {{ portal_url }}, and the choice is yours.

        How to reach us
        Call {{ contact_phone }} or visit {{ portal_url }}. Please quote reference {{ reference }}.

        Yours sincerely,

        {{ lender_name }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ plan.offer
    _t("plan.offer", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，如一次性还款有困难，我们可与您商定分期或延期等还款方案。各方案及费用可在 {{ portal_url }} 查看，由您自主选择。参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("plan.offer", "sms", "en", "", """
        {{ lender_name }}: Dear {{ customer_name }}, if paying in full is hard, we can agree a plan with you, such as installments or a deferral. Options and costs, no obligation: {{ portal_url }} Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("plan.offer", "email", "zh-hans", "为您提供灵活的还款方案", """
        尊敬的{{ customer_name }}：

        您好！如您目前一次性还清账户{{ account_masked }}的欠款确有困难，我们愿意与您一起商定一个您能够承受的还款安排。

        根据您的实际情况，您可以选择分期还款或延期还款；如确有经济困难，还可申请减免罚息及费用。您可在 {{ portal_url }} 查看各方案及其总费用的对比，自主选择适合您的方案。

        接受方案后，您在冷静期内可以撤回，不收取任何违约金或额外费用。

        如需进一步沟通，请致电{{ contact_phone }}。

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("plan.offer", "email", "en", "Repayment options for your account {{ account_masked }}", """
        Dear {{ customer_name }},

        If paying the full balance on your account {{ account_masked }} is difficult right now, we would like to help you find an arrangement you can manage.

        Depending on your circumstances, you can choose an installment plan or a deferral, and if you are in financial hardship you can ask us to waive penalty interest and fees. At {{ portal_url }} you can see each option with its total cost, side by side, and choose the one that suits you. There is no obligation.

        If you accept a plan, you will have a cooling-off period during which you can withdraw without any penalty.

        If you would rather talk it through, please call us on {{ contact_phone }}.

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ plan.confirmation (service)
    # The SMS lists the first three installments and links to the full schedule (a 60-month plan would
    # otherwise run to dozens of SMS segments); the email carries the whole schedule.
    _t("plan.confirmation", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，您的{{ plan_kind }}已确认，合计{{ plan_total }} {{ currency }}：
        {% for i in schedule|slice:":3" %}第{{ i.number }}期 {{ i.due_date }} {{ i.amount }}
        {% endfor %}{% if schedule|length > 3 %}……
        {% endif %}{{ cooling_off_until }}前可免费撤回，完整计划见 {{ portal_url }} 参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("plan.confirmation", "sms", "en", "", """
        {{ lender_name }}: Your {{ plan_kind }} for {{ plan_total }} {{ currency }} is confirmed:
        {% for i in schedule|slice:":3" %}{{ i.number }}. {{ i.due_date }} {{ i.amount }}
        {% endfor %}{% if schedule|length > 3 %}...
        {% endif %}Full schedule, or withdraw penalty-free until {{ cooling_off_until }}: {{ portal_url }} Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("plan.confirmation", "email", "zh-hans", "您的{{ plan_kind }}已确认", """
        尊敬的{{ customer_name }}：

        您好！感谢您的配合。现确认您为账户{{ account_masked }}选择的{{ plan_kind }}，具体如下：

        方案总额：{{ plan_total }} {{ currency }}

        还款计划：
        {% for i in schedule %}第{{ i.number }}期：{{ i.due_date }}，{{ i.amount }} {{ currency }}
        {% endfor %}
        冷静期：{{ cooling_off_until }}前，您可通过 {{ portal_url }} 撤回本方案，不收取任何违约金或额外费用。

        如情况发生变化或有任何疑问，请访问 {{ portal_url }} 或致电{{ contact_phone }}。

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("plan.confirmation", "email", "en", "Your {{ plan_kind }} is confirmed", """
        Dear {{ customer_name }},

        Thank you. This confirms the {{ plan_kind }} you accepted for your account {{ account_masked }}.

        Plan total: {{ plan_total }} {{ currency }}

        Payment schedule:
        {% for i in schedule %}{{ i.number }}. {{ i.due_date }} {{ i.amount }} {{ currency }}
        {% endfor %}
        Cooling-off: you can withdraw from this plan without any penalty until {{ cooling_off_until }}, at {{ portal_url }}.

        If your circumstances change, or you have any questions, please call us on {{ contact_phone }} or visit {{ portal_url }}.

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ plan.broken
    _t("plan.broken", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，您还款计划中{{ missed_due_date }}到期的{{ missed_amount }} {{ currency }}尚未收到，宽限期已过。请补缴，如情况有变可与我们沟通：{{ portal_url }} 或{{ contact_phone }} 参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("plan.broken", "sms", "en", "", """
        {{ lender_name }}: Dear {{ customer_name }}, we have not received your installment of {{ missed_amount }} {{ currency }} due {{ missed_due_date }}. Please pay, or talk to us if things have changed: {{ portal_url }} or {{ contact_phone }}. Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("plan.broken", "email", "zh-hans", "还款计划提醒：有一期款项尚未收到", """
        尊敬的{{ customer_name }}：

        您好！您账户{{ account_masked }}的{{ plan_kind }}中，{{ missed_due_date }}到期的一期款项{{ missed_amount }} {{ currency }}我们尚未收到，且已超过宽限期。

        如需恢复正常还款，您可通过 {{ portal_url }} 补缴该期款项。如您的情况发生变化、现有方案已不适合您，请致电{{ contact_phone }}或通过 {{ portal_url }} 与我们沟通，我们会与您一起商量可行的办法。

        如您已还款，请忽略本通知，谢谢。

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("plan.broken", "email", "en", "A payment on your plan has been missed", """
        Dear {{ customer_name }},

        We have not received the installment of {{ missed_amount }} {{ currency }} that was due on {{ missed_due_date }} under your {{ plan_kind }} for account {{ account_masked }}, and the grace period has now passed.

        To get your plan back on track, you can pay the missed installment at {{ portal_url }}. If your circumstances have changed and the plan no longer works for you, please talk to us on {{ contact_phone }} or at {{ portal_url }}, and we will look at the options with you.

        If you have already paid, thank you, and please ignore this message.

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ credit_report.pre_notice
    _t("credit_report.pre_notice", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，特此提前告知：{{ credit_report_text }}报送日期不早于{{ report_eligible_date }}。{{ retention_text }}您可还款、商定还款方案或提出异议：{{ portal_url }} 参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_report.pre_notice", "sms", "en", "", """
        {{ lender_name }}: Dear {{ customer_name }}, advance notice: {{ credit_report_text }} Not before {{ report_eligible_date }}. {{ retention_text }} You can pay, agree a plan or dispute: {{ portal_url }} Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_report.pre_notice", "email", "zh-hans", "征信报送事先告知：账户{{ account_masked }}", """
        尊敬的{{ customer_name }}：

        您好！现就您在{{ lender_name }}的账户{{ account_masked }}向征信机构报送不良信息一事，提前告知如下：

        一、拟报送内容：{{ credit_report_text }}
        二、最早报送日期：{{ report_eligible_date }}，在此之前不会报送。
        三、保存期限：{{ retention_text }}
        四、您现在可以：
        1. 通过 {{ portal_url }} 还款；
        2. 通过 {{ portal_url }} 或致电{{ contact_phone }}商定还款方案；
        3. 如认为相关信息有误，通过 {{ portal_url }} 或致电{{ contact_phone }}提出异议。异议处理期间，我们不会报送相关信息。

        您可随时通过 {{ portal_url }} 查看拟报送的内容及日期。

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_report.pre_notice", "email", "en", "Advance notice: credit reporting on account {{ account_masked }}", """
        Dear {{ customer_name }},

        We are writing to tell you in advance that {{ lender_name }} intends to report negative information about your account {{ account_masked }} to the credit bureau.

        What we will report: {{ credit_report_text }}

        When: not before {{ report_eligible_date }}.

        How long it stays on file: {{ retention_text }}

        What you can do now:
        - Pay the amount due at {{ portal_url }}.
        - Agree a repayment plan at {{ portal_url }}, or by calling {{ contact_phone }}.
        - If you think the information is wrong, dispute it at {{ portal_url }} or on {{ contact_phone }}. We do not report information while it is under dispute.

        You can see at any time what we will report, and when, at {{ portal_url }}.

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_report.pre_notice", "letter", "zh-hans", "征信报送事先告知书", """
        尊敬的{{ customer_name }}：

        您好！现就您在{{ lender_name }}的账户{{ account_masked }}向征信机构报送不良信息一事，提前告知如下：

        一、拟报送内容：{{ credit_report_text }}
        二、最早报送日期：{{ report_eligible_date }}，在此之前不会报送。
        三、保存期限：{{ retention_text }}
        四、您现在可以：
        1. 通过 {{ portal_url }} 还款；
        2. 通过 {{ portal_url }} 或致电{{ contact_phone }}商定还款方案；
        3. 如认为相关信息有误，通过 {{ portal_url }} 或致电{{ contact_phone }}提出异议。异议处理期间，我们不会报送相关信息。

        您可随时通过 {{ portal_url }} 查看拟报送的内容及日期。如有疑问请致电{{ contact_phone }}。

        参考编号：{{ reference }}

        特此告知。

        {{ lender_name }}
    """),  # noqa: E501
    _t("credit_report.pre_notice", "letter", "en", "Advance notice of credit reporting", """
        Dear {{ customer_name }},

        We are writing to tell you in advance that {{ lender_name }} intends to report negative information about your account {{ account_masked }} to the credit bureau.

        What we will report: {{ credit_report_text }}

        When: not before {{ report_eligible_date }}.

        How long it stays on file: {{ retention_text }}

        What you can do now:
        - Pay the amount due at {{ portal_url }}.
        - Agree a repayment plan at {{ portal_url }}, or by calling {{ contact_phone }}.
        - If you think the information is wrong, dispute it at {{ portal_url }} or on {{ contact_phone }}. We do not report information while it is under dispute.

        You can see at any time what we will report, and when, at {{ portal_url }}. If you have any questions, please call us on {{ contact_phone }}.

        Reference: {{ reference }}

        Yours sincerely,

        {{ lender_name }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ credit_limit.notice
    _t("credit_limit.notice", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，自{{ effective_date }}起，您账户{{ account_masked }}的信用额度{% if is_freeze %}将被冻结{% else %}将由{{ old_limit }}调整为{{ new_limit }} {{ currency }}{% endif %}。原因：{{ reason_text }}如有异议可申请人工复核：{{ appeal_url }} 参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_limit.notice", "sms", "en", "", """
        {{ lender_name }}: Dear {{ customer_name }}, from {{ effective_date }} the credit limit on account {{ account_masked }} {% if is_freeze %}will be frozen{% else %}changes from {{ old_limit }} to {{ new_limit }} {{ currency }}{% endif %}. Reason: {{ reason_text }} Appeal for a human review: {{ appeal_url }} Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_limit.notice", "email", "zh-hans", "信用额度调整事先告知：账户{{ account_masked }}", """
        尊敬的{{ customer_name }}：

        您好！现提前告知您在{{ lender_name }}的账户{{ account_masked }}的信用额度调整事宜：

        {% if is_freeze %}自{{ effective_date }}起，您的信用额度将被冻结，冻结期间暂不能新增用款。{% else %}自{{ effective_date }}起，您的信用额度将由{{ old_limit }} {{ currency }}调整为{{ new_limit }} {{ currency }}。{% endif %}

        调整原因：{{ reason_text }}

        如您对此有异议，可通过 {{ appeal_url }} 提出申诉，我们将安排专人进行人工复核。如有疑问请致电{{ contact_phone }}。

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_limit.notice", "email", "en", "Advance notice: change to your credit limit", """
        Dear {{ customer_name }},

        We are writing to give you advance notice of a change to the credit limit on your account {{ account_masked }} with {{ lender_name }}.

        {% if is_freeze %}From {{ effective_date }}, your credit limit will be frozen: while it is frozen you will not be able to draw on it.{% else %}From {{ effective_date }}, your credit limit will be reduced from {{ old_limit }} {{ currency }} to {{ new_limit }} {{ currency }}.{% endif %}

        Reason: {{ reason_text }}

        If you disagree with this decision, you can appeal at {{ appeal_url }}. A member of our staff, not an automated system, will review your appeal. If you have any questions, please call us on {{ contact_phone }}.

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_limit.notice", "letter", "zh-hans", "信用额度调整事先告知书", """
        尊敬的{{ customer_name }}：

        您好！现提前告知您在{{ lender_name }}的账户{{ account_masked }}的信用额度调整事宜：

        {% if is_freeze %}自{{ effective_date }}起，您的信用额度将被冻结，冻结期间暂不能新增用款。{% else %}自{{ effective_date }}起，您的信用额度将由{{ old_limit }} {{ currency }}调整为{{ new_limit }} {{ currency }}。{% endif %}

        调整原因：{{ reason_text }}

        如您对此有异议，可通过 {{ appeal_url }} 提出申诉，我们将安排专人进行人工复核。如有疑问请致电{{ contact_phone }}。

        参考编号：{{ reference }}

        特此告知。

        {{ lender_name }}
    """),  # noqa: E501
    _t("credit_limit.notice", "letter", "en", "Advance notice of a change to your credit limit", """
        Dear {{ customer_name }},

        We are writing to give you advance notice of a change to the credit limit on your account {{ account_masked }} with {{ lender_name }}.

        {% if is_freeze %}From {{ effective_date }}, your credit limit will be frozen: while it is frozen you will not be able to draw on it.{% else %}From {{ effective_date }}, your credit limit will be reduced from {{ old_limit }} {{ currency }} to {{ new_limit }} {{ currency }}.{% endif %}

        Reason: {{ reason_text }}

        If you disagree with this decision, you can appeal at {{ appeal_url }}. A member of our staff, not an automated system, will review your appeal. If you have any questions, please call us on {{ contact_phone }}.

        Reference: {{ reference }}

        Yours sincerely,

        {{ lender_name }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ credit_limit.appeal_outcome (service)
    _t("credit_limit.appeal_outcome", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，您对账户{{ account_masked }}信用额度调整的申诉已经人工复核，结果：{{ appeal_outcome }}。{{ appeal_outcome_text }}详情见 {{ portal_url }} 如有疑问请致电{{ contact_phone }}。参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_limit.appeal_outcome", "sms", "en", "", """
        {{ lender_name }}: Dear {{ customer_name }}, a person has reviewed your appeal about the credit limit on account {{ account_masked }}: {{ appeal_outcome }}. {{ appeal_outcome_text }} Details: {{ portal_url }} Questions: {{ contact_phone }} Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_limit.appeal_outcome", "email", "zh-hans", "信用额度调整申诉的复核结果：账户{{ account_masked }}", """
        尊敬的{{ customer_name }}：

        您好！您就{{ lender_name }}账户{{ account_masked }}的信用额度调整提出的申诉，已由我们的工作人员人工复核完毕，现将结果告知如下。

        复核结果：{{ appeal_outcome }}

        {{ appeal_outcome_text }}

        您可随时通过 {{ portal_url }} 查看账户的信用额度及其调整记录。如有疑问，请致电{{ contact_phone }}；如您对复核结果不满意，也可以通过以下渠道反映：{{ complaint_escalation }}

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("credit_limit.appeal_outcome", "email", "en", "The outcome of your appeal about your credit limit", """
        Dear {{ customer_name }},

        A member of our staff, not an automated system, has reviewed your appeal against the change to the credit limit on your account {{ account_masked }} with {{ lender_name }}.

        Outcome: {{ appeal_outcome }}

        {{ appeal_outcome_text }}

        You can see your credit limit and its changes at any time at {{ portal_url }}. If you have any questions, please call us on {{ contact_phone }}. If you are not satisfied with this decision, you can also take it further: {{ complaint_escalation }}

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ dispute.acknowledgement (service)
    _t("dispute.acknowledgement", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，我们已收到您的{{ dispute_kind }}。核实处理期间将暂停催收，并于{{ dispute_due_date }}前答复您。参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("dispute.acknowledgement", "sms", "en", "", """
        {{ lender_name }}: Dear {{ customer_name }}, we have received your {{ dispute_kind }}. Collection is paused while we look into it, and we will reply by {{ dispute_due_date }}. Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("dispute.acknowledgement", "email", "zh-hans", "我们已收到您的{{ dispute_kind }}", """
        尊敬的{{ customer_name }}：

        您好！感谢您的反馈。我们已收到您就账户{{ account_masked }}提出的{{ dispute_kind }}。

        在核实处理期间，我们已暂停对该账户的催收。我们将于{{ dispute_due_date }}前将处理结果告知您。

        如需补充材料或说明情况，请通过 {{ portal_url }} 提交，或致电{{ contact_phone }}。

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("dispute.acknowledgement", "email", "en", "We have received your {{ dispute_kind }}", """
        Dear {{ customer_name }},

        Thank you for contacting us. We have received your {{ dispute_kind }} about your account {{ account_masked }}.

        While we look into it, we have paused collection on the account. We will send you our answer by {{ dispute_due_date }}.

        If you would like to send us more information, you can do so at {{ portal_url }} or by calling {{ contact_phone }}.

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ------------------------------------------------------------------ dispute.outcome (service)
    _t("dispute.outcome", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，您的{{ dispute_kind }}已处理完毕，结果：{{ dispute_outcome }}。{{ dispute_outcome_text }}详情见 {{ portal_url }} 如对结果不满意：{{ complaint_escalation }} 参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("dispute.outcome", "sms", "en", "", """
        {{ lender_name }}: Dear {{ customer_name }}, outcome of your {{ dispute_kind }}: {{ dispute_outcome }}. {{ dispute_outcome_text }} Details: {{ portal_url }} Not satisfied? {{ complaint_escalation }} Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("dispute.outcome", "email", "zh-hans", "您的{{ dispute_kind }}处理结果", """
        尊敬的{{ customer_name }}：

        您好！您就账户{{ account_masked }}提出的{{ dispute_kind }}已处理完毕，现将结果告知如下。

        处理结果：{{ dispute_outcome }}

        {{ dispute_outcome_text }}

        后续安排：因本次{{ dispute_kind }}而暂停的催收现已结束。如处理后账户仍有应还款项，我们可能会就此再次与您联系；您可随时通过 {{ portal_url }} 查看账户余额及可选的还款方案。

        如您对处理结果不满意，可通过 {{ portal_url }} 或致电{{ contact_phone }}要求我们重新核查，也可以通过以下渠道反映：{{ complaint_escalation }}

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("dispute.outcome", "email", "en", "The outcome of your {{ dispute_kind }}", """
        Dear {{ customer_name }},

        We have finished looking into your {{ dispute_kind }} about your account {{ account_masked }}.

        Outcome: {{ dispute_outcome }}

        {{ dispute_outcome_text }}

        What happens next
        The pause in collection for this {{ dispute_kind }} has now ended. If an amount is still due after this decision, we may contact you about it again. You can see your balance and your repayment options at any time at {{ portal_url }}.

        If you are not satisfied
        You can ask us to look at it again at {{ portal_url }} or by calling {{ contact_phone }}. You can also take it further: {{ complaint_escalation }}

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ---------------------------------------------------- wrong_party.acknowledgement (limited, service)
    _t("wrong_party.acknowledgement", "sms", "zh-hans", "", """
        【{{ sender_name }}】感谢您的告知。该号码已被移除，今后我们不会再联系此号码。
    """),  # noqa: E501
    _t("wrong_party.acknowledgement", "sms", "en", "", """
        {{ sender_name }}: Thank you. This number has been removed and will not be contacted again.
    """),  # noqa: E501
    # ---------------------------------------------------- opt_out.confirmation (limited, service)
    _t("opt_out.confirmation", "sms", "zh-hans", "", """
        【{{ sender_name }}】您已成功退订{{ channel_label }}通知，今后仅会通过该渠道发送依规必须送达的通知。如需恢复或联系我们：{{ portal_url }} 或致电{{ contact_phone }} 参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("opt_out.confirmation", "sms", "en", "", """
        {{ sender_name }}: You have opted out of {{ channel_label }}. We will only use it for notices we are required to send. To opt back in or reach us: {{ portal_url }} or {{ contact_phone }}. Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("opt_out.confirmation", "email", "zh-hans", "退订成功", """
        您好：

        您已成功退订{{ channel_label }}通知。今后我们仅会通过该渠道向您发送依规必须送达的通知。

        如需恢复订阅、更改联系方式或联系我们，请访问 {{ portal_url }} 或致电{{ contact_phone }}，并提供参考编号{{ reference }}。

        {{ sender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("opt_out.confirmation", "email", "en", "You have opted out of {{ channel_label }}", """
        Hello,

        You have opted out of {{ channel_label }}. From now on we will only use it for notices we are required to send you.

        To opt back in, change how we contact you, or reach us, please visit {{ portal_url }} or call {{ contact_phone }} and quote reference {{ reference }}.

        {{ sender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ------------------------------------------------------------ promise.confirmation (service, issue 14)
    _t("promise.confirmation", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，我们已记录您的还款承诺：{{ promise_due_date }}前还款{{ promise_amount }} {{ currency }}。如需更改请访问 {{ portal_url }} 参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("promise.confirmation", "sms", "en", "", """
        {{ lender_name }}: Thank you, {{ customer_name }}. We have noted your promise to pay {{ promise_amount }} {{ currency }} by {{ promise_due_date }}. To change it: {{ portal_url }} Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("promise.confirmation", "email", "zh-hans", "您的还款承诺已记录", """
        尊敬的{{ customer_name }}：

        您好！感谢您的配合。我们已记录您为账户{{ account_masked }}作出的还款承诺：

        承诺金额：{{ promise_amount }} {{ currency }}
        还款日期：{{ promise_due_date }}前

        您可以通过 {{ portal_url }} 还款或更改承诺。如有疑问或还款确有困难，请致电{{ contact_phone }}。

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("promise.confirmation", "email", "en", "Your promise to pay is noted", """
        Dear {{ customer_name }},

        Thank you. We have noted your promise to pay on your account {{ account_masked }}:

        Amount: {{ promise_amount }} {{ currency }}
        By: {{ promise_due_date }}

        You can pay or change this promise at {{ portal_url }}. If you have any questions, or paying is difficult for you, please call us on {{ contact_phone }}.

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    # ------------------------------------------------------------ payment.receipt (service, issue 14)
    _t("payment.receipt", "sms", "zh-hans", "", """
        【{{ lender_name }}】尊敬的{{ customer_name }}，我们已于{{ payment_date }}收到您的还款{{ payment_amount }} {{ currency }}，剩余应还{{ balance_after }} {{ currency }}。详情见 {{ portal_url }} 参考编号{{ reference }}
        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("payment.receipt", "sms", "en", "", """
        {{ lender_name }}: Thank you, {{ customer_name }}. We received your payment of {{ payment_amount }} {{ currency }} on {{ payment_date }}. Still to pay: {{ balance_after }} {{ currency }}. Details: {{ portal_url }} Ref {{ reference }}
        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
    _t("payment.receipt", "email", "zh-hans", "还款收据", """
        尊敬的{{ customer_name }}：

        您好！我们已收到您为账户{{ account_masked }}支付的款项，谢谢。

        收款金额：{{ payment_amount }} {{ currency }}
        收款日期：{{ payment_date }}
        剩余应还：{{ balance_after }} {{ currency }}

        详情请访问 {{ portal_url }} 如有疑问请致电{{ contact_phone }}。

        参考编号：{{ reference }}

        {{ lender_name }}

        退订请点击 {{ opt_out_url }}
    """),  # noqa: E501
    _t("payment.receipt", "email", "en", "Your payment receipt", """
        Dear {{ customer_name }},

        Thank you. We have received your payment on your account {{ account_masked }}.

        Amount received: {{ payment_amount }} {{ currency }}
        Received on: {{ payment_date }}
        Still to pay: {{ balance_after }} {{ currency }}

        For details, please visit {{ portal_url }}. If you have any questions, please call us on {{ contact_phone }}.

        Reference: {{ reference }}

        {{ lender_name }}

        Stop these messages: {{ opt_out_url }}
    """),  # noqa: E501
)


def get_template_text(key: str, channel: str, locale: str) -> TemplateText:
    """The library text for (key, channel, locale); ``KeyError`` if there is none."""
    for text in LIBRARY:
        if (text.key, text.channel, text.locale) == (key, channel, locale):
            return text
    raise KeyError((key, channel, locale))
