"""People and credit: staff users, licensed agencies, customers, contact points, credit accounts."""

from __future__ import annotations

import functools
import hashlib
import hmac
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from phonenumber_field.phonenumber import PhoneNumber, to_python

# Defined in their own modules, imported here so the app registers them and callers import them from here.
from accounts.limit_changes import CreditLimitChange  # noqa: F401
from accounts.money import MONEY_DIGITS, MONEY_PLACES, ZERO, money_field  # noqa: F401


class Role(models.TextChoices):
    """Staff roles are Django groups of these names (see accounts.roles)."""

    AGENT = "agent", _("Collection agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    COMPLIANCE = "compliance", _("Compliance officer")


class Agency(models.Model):
    """A third-party collection agency. Cases go only to agencies licensed and under contract today."""

    name = models.CharField(max_length=200, unique=True)
    licence_number = models.CharField(max_length=64, unique=True)
    licensed_until = models.DateField()
    contract_start = models.DateField()
    contract_end = models.DateField()

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_end__gte=models.F("contract_start")),
                name="agency_contract_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.licence_number})"

    def is_valid_on(self, day: date) -> bool:
        """True when both the licence and the contract cover ``day``."""
        return self.contract_start <= day <= self.contract_end and day <= self.licensed_until


class User(AbstractUser):
    """Staff user. Roles are the groups agent / supervisor / compliance; ``agency`` scopes an agency user."""

    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users")

    def has_role(self, role: str) -> bool:
        # Cached per instance: admin pages ask this for every row.
        cache = self.__dict__.setdefault("_role_cache", None)
        if cache is None:
            cache = set(self.groups.values_list("name", flat=True)) if self.pk else set()
            self.__dict__["_role_cache"] = cache
        return role in cache

    @property
    def is_agent(self) -> bool:
        return self.has_role(Role.AGENT)

    @property
    def is_supervisor(self) -> bool:
        return self.has_role(Role.SUPERVISOR)

    @property
    def is_compliance(self) -> bool:
        return self.has_role(Role.COMPLIANCE)

    @property
    def audit_label(self) -> str:
        return f"user:{self.pk}:{self.username}"


class Locale(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Customer(models.Model):
    """A debtor. Identity data is minimised: national id as last 4 digits plus a salted hash."""

    full_name = models.CharField(max_length=200)
    national_id_last4 = models.CharField(max_length=4)
    national_id_hash = models.CharField(
        max_length=64, help_text="HMAC-SHA256 of the full id, keyed by SECRET_KEY"
    )
    date_of_birth = models.DateField()
    locale = models.CharField(max_length=8, choices=Locale.choices, default=Locale.ZH_HANS)
    time_zone = models.CharField(max_length=64, default="Asia/Shanghai")
    jurisdiction = models.CharField(max_length=8, default="CN", help_text="Policy pack code: CN, US or UK")
    vulnerable = models.BooleanField(default=False)
    cease_communication = models.BooleanField(default=False)
    # A contact time the customer agreed to (e.g. "call me after 19:00"); within the pack's legal floor.
    agreed_contact_start = models.TimeField(null=True, blank=True)
    agreed_contact_end = models.TimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_name", "pk"]
        indexes = [models.Index(fields=["full_name"])]

    def __str__(self) -> str:
        return self.full_name

    @staticmethod
    def hash_national_id(national_id: str) -> str:
        key = settings.SECRET_KEY.encode()
        return hmac.new(key, national_id.strip().upper().encode(), hashlib.sha256).hexdigest()


# Our own attribute on a number object: the text it is stored and shown as (E.164, or the raw input of a
# number that is not valid), so reading ``ContactPoint.value`` needs neither a parse nor a format.
_FORMATTED = "_collections_formatted"


# The instance attributes a parsed number has (``country_code``, ``national_number``, ``extension``...).
_PARSED_ATTRIBUTES = frozenset(vars(PhoneNumber()))


class StoredPhoneNumber(PhoneNumber):
    """A number as loaded from the database, parsed only if something needs more than its text.

    Parsing and validating a number costs a few hundred microseconds and the daily cycle loads thousands
    of contact points, while nearly everything reads only the text (the gate, notices, masking). The
    stored text is what ``str()`` of the parsed number gives (``get_prep_value`` stores exactly that),
    so ``str()`` returns it as is; any other attribute (``country_code``, ``is_valid()``...) parses the
    text on first use and keeps the result.
    """

    def __init__(self, text: str) -> None:  # the base initialiser runs in the parse, on demand
        self.__dict__[_FORMATTED] = text

    def __getattr__(self, name: str) -> Any:
        # Only called for an attribute not set yet, i.e. before the first parse. Only a parsed number's
        # own attributes parse: Django probes every query value with ``hasattr(value, "resolve_expression")``,
        # which must not cost a parse (a batch of the gate's lookups by number paid ~0.1 ms a number).
        if name not in _PARSED_ATTRIBUTES or "country_code" in self.__dict__:
            raise AttributeError(name)
        parsed = PhoneNumber.from_string(self.__dict__[_FORMATTED])
        for key, value in vars(parsed).items():
            self.__dict__.setdefault(key, value)
        return object.__getattribute__(self, name)

    def __str__(self) -> str:
        return str(self.__dict__[_FORMATTED])

    def _parsed(self) -> PhoneNumber:
        parsed = self.__dict__.get("_parsed_number")
        if parsed is None:
            parsed = self.__dict__["_parsed_number"] = PhoneNumber.from_string(self.__dict__[_FORMATTED])
        return parsed

    # Compared and hashed as the parsed number (the library's comparison builds ``type(self)()``), except
    # against the empty values Django and the library test every assignment with, and the same text.
    def __eq__(self, other: object) -> bool:
        if other is None or isinstance(other, list | tuple | dict | set):
            return False
        if isinstance(other, str) and (not other or other == self.__dict__[_FORMATTED]):
            return bool(other)
        return bool(self._parsed() == other)

    def __hash__(self) -> int:
        return hash(self._parsed())

    def __reduce__(self) -> tuple[Any, ...]:  # pickled and copied as its text
        return (StoredPhoneNumber, (self.__dict__[_FORMATTED],))


@functools.lru_cache(maxsize=65_536)
def _prepared_text(value: str) -> str:
    """The text an E.164-style string is stored as (what ``PhoneNumberField.get_prep_value`` gives)."""
    parsed = to_python(value)
    return str(parsed) if isinstance(parsed, PhoneNumber) else value


class StoredPhoneNumberField(PhoneNumberField):
    """``PhoneNumberField`` whose loaded numbers are parsed lazily (``StoredPhoneNumber``) and whose
    lookups by E.164 text are prepared once per process."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value or settings.PHONENUMBER_DB_FORMAT != settings.PHONENUMBER_DEFAULT_FORMAT:
            return super().from_db_value(value, expression, connection)
        return StoredPhoneNumber(value)

    def get_prep_value(self, value: Any) -> Any:
        if settings.PHONENUMBER_DB_FORMAT != settings.PHONENUMBER_DEFAULT_FORMAT:
            return super().get_prep_value(value)  # the stored text would differ from str(number)
        formatted = getattr(value, _FORMATTED, None) if isinstance(value, StoredPhoneNumber) else None
        if formatted is not None:
            return formatted
        if isinstance(value, str) and value.startswith("+"):
            return _prepared_text(value)
        return super().get_prep_value(value)


class ContactPoint(models.Model):
    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        POSTAL = "postal", _("Postal address")

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        VERIFIED = "verified", _("Verified")
        WRONG_PARTY = "wrong_party", _("Wrong party")
        OPTED_OUT = "opted_out", _("Opted out")
        INVALID = "invalid", _("Invalid")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    phone = StoredPhoneNumberField(blank=True)
    email = models.EmailField(blank=True)
    postal_address = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNVERIFIED)
    consent_at = models.DateTimeField(null=True, blank=True, help_text="When the customer gave us this point")
    verified_at = models.DateTimeField(null=True, blank=True)
    last_reassigned_at = models.DateTimeField(
        null=True, blank=True, help_text="Last known reassignment or disconnection of the number"
    )
    # Channels ("call", "sms", "email", "letter") the person opted out of on this point.
    opted_out_channels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="phone") & ~Q(phone=""))
                | (Q(kind="email") & ~Q(email=""))
                | (Q(kind="postal") & ~Q(postal_address="")),
                name="contactpoint_value_matches_kind",
            )
        ]
        indexes = [models.Index(fields=["phone"]), models.Index(fields=["email"])]

    def __str__(self) -> str:
        # Masked: this string shows up in admin headers, logs and links; the full value needs a reason.
        return f"{self.get_kind_display()} {self.masked_value}"

    @property
    def value(self) -> str:
        """The normalized address: E.164 for phones, lower-case for email."""
        if self.kind == self.Kind.PHONE:
            # Formatting a phone number costs tens of microseconds and the gate, the renderer and the
            # outbox ask for it many times per notice: remember it for as long as the field holds the
            # same object (assigning a new number replaces the object, so the cache cannot go stale).
            phone = self.phone
            if isinstance(phone, StoredPhoneNumber):  # loaded from the database: its stored text
                return str(phone)
            cached = self.__dict__.get("_phone_value")
            if cached is not None and cached[0] is phone:
                return cached[1]
            value = str(phone)
            self.__dict__["_phone_value"] = (phone, value)
            return value
        if self.kind == self.Kind.EMAIL:
            return self.email.strip().lower()
        return self.postal_address.strip()

    @property
    def masked_value(self) -> str:
        v = self.value
        if self.kind == self.Kind.PHONE:
            return f"{v[:4]}****{v[-4:]}" if len(v) > 8 else "****"
        if self.kind == self.Kind.EMAIL and "@" in v:
            local, _sep, domain = v.partition("@")
            return f"{local[:1]}***@{domain}"
        return v[:6] + "…"


# Days past due at which something happens to a case or a record (a ladder rung, escalation, a credit-impact
# band, reporting, charge-off) in any policy pack; a test checks this covers every pack. The daily cycle
# writes an account's ``days_past_due`` only when it crosses one of these (or its status changes), so a day
# touches the accounts whose state changes, not the whole book. Changing the tuple needs a migration.
DPD_THRESHOLDS: tuple[int, ...] = (1, 15, 30, 60, 90, 180)
# ``dpd_review_on`` of a row the cycle must look at in its next run whatever the date.
REVIEW_NOW = date(2000, 1, 1)


class AddDays(models.Func):
    """``date + days`` (a constant) in SQL that PostgreSQL and SQLite accept in a generated column."""

    output_field = models.DateField()

    def __init__(self, expression: Any, *, days: int) -> None:
        super().__init__(expression, days=int(days))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="date(%(expressions)s, '+%(days)s days')", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s + %(days)s)", **extra)


def _dpd_review_on() -> models.Case:
    """The first date the stored days past due and status may be out of date: the day after the due
    date for a current account, the day the next threshold is reached for a delinquent one; at once for a
    row no cycle has computed yet or whose balance was paid off; never for a charged-off or closed one."""
    balance = models.F("principal") + models.F("interest") + models.F("fees") + models.F("penalty_interest")
    now = models.Value(REVIEW_NOW, output_field=models.DateField())
    never = models.Value(None, output_field=models.DateField())
    settle = models.Case(
        models.When(Q(status="delinquent") | ~Q(days_past_due=0), then=now),
        default=never,
        output_field=models.DateField(),
    )
    return models.Case(
        models.When(~Q(status__in=["current", "delinquent"]), then=never),
        models.When(dpd_on__isnull=True, then=now),
        models.When(due_date__isnull=True, then=settle),
        models.When(models.lookups.LessThanOrEqual(balance, 0), then=settle),
        models.When(status="current", then=AddDays(models.F("due_date"), days=1)),
        *[
            models.When(days_past_due__lt=t, then=AddDays(models.F("due_date"), days=t))
            for t in DPD_THRESHOLDS
        ],
        default=never,
        output_field=models.DateField(),
    )


def days_past_due_q(low: int, high: int | None, *, today: date, prefix: str = "") -> Q:
    """Accounts ``low``..``high`` (inclusive; ``None``: no upper bound) days past due on ``today``, as
    ``CreditAccount.days_past_due_on`` counts them: for an account the cycle keeps delinquent, by its due
    date (the stored number is refreshed only at thresholds); for any other, by the stored number.
    ``prefix`` reaches the account through a relation (``"account__"``)."""
    counted = Q(**{f"{prefix}dpd_on__isnull": False, f"{prefix}status": "delinquent"})
    by_due = Q(**{f"{prefix}due_date__lte": today - timedelta(days=low)})
    stored = Q(**{f"{prefix}days_past_due__gte": low})
    if high is not None:
        by_due &= Q(**{f"{prefix}due_date__gte": today - timedelta(days=high)})
        stored &= Q(**{f"{prefix}days_past_due__lte": high})
    return (counted & by_due) | (~counted & stored)


class CreditAccount(models.Model):
    """A consumer credit line. Balances are split by component so every figure shown is traceable."""

    class Status(models.TextChoices):
        CURRENT = "current", _("Current")
        DELINQUENT = "delinquent", _("Delinquent")
        CHARGED_OFF = "charged_off", _("Charged off")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_accounts")
    account_number = models.CharField(max_length=32, unique=True)
    product = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, default="CNY")
    credit_limit = money_field()
    principal = money_field(default=ZERO)
    interest = money_field(default=ZERO)
    fees = money_field(default=ZERO)
    penalty_interest = money_field(default=ZERO)
    interest_rate_apr = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0.000"))
    penalty_rate_apr = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0.000"))
    due_date = models.DateField(null=True, blank=True, help_text="Oldest unpaid due date")
    # As of ``dpd_on``: the cycle rewrites it only when the account crosses a threshold (see
    # ``DPD_THRESHOLDS``); ``days_past_due_on(day)`` is the exact number on any later day.
    days_past_due = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CURRENT)
    opened_at = models.DateField()
    dpd_on = models.DateField(
        null=True, blank=True, help_text="The cycle date days past due was computed for"
    )
    dpd_review_on = models.GeneratedField(
        expression=_dpd_review_on(), output_field=models.DateField(), db_persist=True
    )

    class Meta:
        ordering = ["account_number"]
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="account_limit_non_negative"),
            models.CheckConstraint(condition=Q(principal__gte=0), name="account_principal_non_negative"),
            models.CheckConstraint(condition=Q(interest__gte=0), name="account_interest_non_negative"),
            models.CheckConstraint(condition=Q(fees__gte=0), name="account_fees_non_negative"),
            models.CheckConstraint(
                condition=Q(penalty_interest__gte=0), name="account_penalty_interest_non_negative"
            ),
        ]
        indexes = [
            # The cycle's candidates: the few accounts whose days past due reach a threshold today.
            models.Index(
                fields=["dpd_review_on"],
                name="account_dpd_review_idx",
                condition=Q(dpd_review_on__isnull=False),
            ),
            # The accounts the cycle wrote for a date (cases to open, ladder notices to queue).
            models.Index(fields=["dpd_on"], name="account_dpd_on_idx"),
            # Delinquent accounts by due date: charge-off candidates, staff sorts by days past due. The id
            # breaks ties in the sort's order (debt_collections/admin/dpd_order.py): most days past due is the
            # oldest due date, ties by id descending, so the id runs the other way from the date here and
            # one index serves both directions (forwards and backwards). By due date alone, each page
            # sorted every account sharing the first due date (1,760 at 1,000,000 accounts).
            models.Index(
                models.F("due_date"),
                models.F("id").desc(),
                name="account_delinquent_due_idx",
                condition=Q(status="delinquent"),
            ),
            # Every other account by its stored days past due (frozen once not delinquent), ties by id: the
            # other half of the staff sort by days past due (debt_collections/admin/dpd_order.py).
            models.Index(
                fields=["days_past_due", "id"],
                name="account_not_delinquent_dpd_idx",
                condition=~Q(status="delinquent"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_number} ({self.product})"

    def days_past_due_on(self, day: date) -> int:
        """Days past due on ``day``: the stored number grows by one a day while the account stays
        delinquent (the cycle stores it only at thresholds). Rows no cycle has computed return it as is."""
        if self.dpd_on is None or self.status != self.Status.DELINQUENT or day <= self.dpd_on:
            return self.days_past_due
        return self.days_past_due + (day - self.dpd_on).days

    @property
    def days_past_due_today(self) -> int:
        """``days_past_due_on`` today (UTC, the cycle's day): for display in the API and the admin."""
        from django.utils import timezone

        return self.days_past_due_on(timezone.localdate())

    @property
    def total_due(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty_interest


class QuarantinedContact(models.Model):
    """A phone number or email reported as reaching the wrong person.

    Quarantine is by the normalized value, not by customer: the same recycled number may be on file for
    several customers, and none of them may be contacted on it. Lifting it needs a second person.
    """

    value = models.CharField(max_length=254, db_index=True)
    kind = models.CharField(max_length=8, choices=ContactPoint.Kind.choices)
    reported_at = models.DateTimeField()
    reported_via = models.CharField(max_length=120, help_text="audit actor label of the report")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-reported_at"]
        constraints = [
            # One active quarantine per value; lifted ones stay as history.
            models.UniqueConstraint(
                fields=["value"], condition=Q(lifted_at__isnull=True), name="one_active_quarantine_per_value"
            ),
        ]

    def __str__(self) -> str:
        return f"quarantined {self.value}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class QuarantineRelease(models.Model):
    """A wrong-party quarantine set aside for one customer only (issue 12): the customer pressed "this is
    not me" by mistake, proved who they are through another channel, and a staff member decided it.

    The quarantine stays in force for every other customer on file with the same value; the gate skips
    it only for ``customer``. Written only by ``services.quarantine_release``.
    """

    quarantine = models.ForeignKey(QuarantinedContact, on_delete=models.PROTECT, related_name="releases")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="quarantine_releases")
    contact_point = models.ForeignKey(ContactPoint, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    verified_via = models.CharField(max_length=200, help_text="how identity was verified, e.g. at a branch")
    reason = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["quarantine", "customer"], name="one_release_per_customer"),
        ]

    def __str__(self) -> str:
        return f"release of quarantine {self.quarantine_id} for customer {self.customer_id}"
