"""Writing the demo: the people in bulk, then every step through the services, then the summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import (
    Agency,
    ContactPoint,
    CreditAccount,
    CreditLimitChange,
    Customer,
    QuarantinedContact,
    User,
)
from debt_collections.models import (
    AuditEvent,
    CaseState,
    CollectionCase,
    ContactAttempt,
    Dispute,
    FeeWaiver,
    NegotiationLink,
    Payment,
    RepaymentPlan,
)
from demo.build import build_plan
from demo.records import DemoPlan
from demo.reference import (
    ACTOR,
    DEFAULT_CUSTOMERS,
    DEMO_LOGINS,
    EXPIRING,
    LAPSED,
    MARKER_ACCOUNT,
    SEED,
    DemoLogin,
    ensure_reference_data,
)
from demo.runner import Runner
from notifications.models import Notice

Progress = Callable[[str], None]
StepProgress = Callable[[int, int], None]  # (steps done, steps in all): a command's progress bar
S = CaseState


@dataclass
class DemoSummary:
    created: bool
    counts: dict[str, int]
    cases_by_state: dict[str, int]
    lapsed_agency: str
    site_url: str
    logins: tuple[DemoLogin, ...] = DEMO_LOGINS
    customer_link: str | None = None
    expiring_agency: str = ""
    history: dict[str, str] = field(default_factory=dict)  # what the compliance reports will show
    skipped: list[str] = field(default_factory=list)  # steps the services refused (should be none)


def demo_customer_link() -> str | None:
    """A signed negotiation link for one demo customer, printed by ``seed_demo``; None without demo data.

    The customer is the first (by account number) zh-hans customer whose case is negotiating, active or
    early (in that order of preference) and who has a verified phone; the link is sent to that phone.
    Safe to repeat: an unexpired, unrevoked, unlocked link that seed_demo made for that case is reused,
    so a second run creates nothing. A new link is dated just after the last audit event (at most an
    hour back), like the demo's other steps, so the whole demo history lies before the seeding run.
    """
    from debt_collections.services.links import link_create, link_url

    now = timezone.now()
    point = None
    for state in (S.NEGOTIATING, S.ACTIVE, S.EARLY):
        point = (
            ContactPoint.objects.filter(
                kind=ContactPoint.Kind.PHONE,
                status=ContactPoint.Status.VERIFIED,
                customer__locale="zh-hans",
                customer__cease_communication=False,
                customer__cases__state=state,
                customer__cases__account__account_number__startswith="ACC-DEMO-",
            )
            .exclude(last_reassigned_at__gt=F("consent_at"))  # a recycled number: REASSIGNED would block it
            .order_by("customer__cases__account__account_number", "pk")
            .first()
        )
        if point is not None:
            break
    if point is None:
        return None
    case = (
        CollectionCase.objects.filter(customer_id=point.customer_id, state=state)
        .order_by("account__account_number")
        .first()
    )
    if case is None:
        return None
    reusable = NegotiationLink.objects.filter(
        case=case, created_by=ACTOR.label, revoked_at__isnull=True, locked_at__isnull=True, expires_at__gt=now
    ).first()
    if reusable is not None:
        return link_url(reusable)
    last = AuditEvent.objects.order_by("-seq").values_list("at", flat=True).first()
    at = (
        now
        if last is None or last >= now
        else max(last + timedelta(microseconds=1), now - timedelta(hours=1))
    )
    _link, url = link_create(case_id=case.pk, contact_point_id=point.pk, actor=ACTOR, now=at)
    return url


def _write_people(plan: DemoPlan) -> tuple[dict[str, CreditAccount], dict[str, ContactPoint]]:
    """Bulk-insert customers, contact points and accounts (no service writes these yet)."""
    customers = Customer.objects.bulk_create(
        Customer(
            full_name=c.full_name,
            national_id_last4=c.national_id[-4:],
            national_id_hash=Customer.hash_national_id(c.national_id),
            date_of_birth=c.date_of_birth,
            locale=c.locale,
            time_zone=c.time_zone,
            jurisdiction=c.jurisdiction,
            vulnerable=c.vulnerable,
        )
        for c in plan.customers
    )
    points: dict[str, ContactPoint] = {}
    for i, (row, c) in enumerate(zip(customers, plan.customers, strict=True)):
        for n, cp in enumerate(c.contacts):
            points[f"cp:{i}:{n}"] = ContactPoint(
                customer=row,
                kind=cp.kind,
                phone=cp.value if cp.kind == "phone" else "",
                email=cp.value if cp.kind == "email" else "",
                status=cp.status,
                consent_at=cp.consent_at,
                verified_at=cp.verified_at,
                last_reassigned_at=cp.last_reassigned_at,
            )
    ContactPoint.objects.bulk_create(points.values())
    accounts = {
        a.number: CreditAccount(
            customer=row,
            account_number=a.number,
            product=a.product,
            currency=a.currency,
            credit_limit=a.credit_limit,
            principal=a.principal,
            interest=a.interest,
            fees=a.fees,
            penalty_interest=a.penalty_interest,
            interest_rate_apr=a.apr,
            penalty_rate_apr=a.penalty_apr,
            due_date=a.due_date,
            days_past_due=a.dpd,
            opened_at=a.opened_at,
            status=CreditAccount.Status.DELINQUENT if a.dpd else CreditAccount.Status.CURRENT,
        )
        for row, c in zip(customers, plan.customers, strict=True)
        for a in c.accounts
    }
    CreditAccount.objects.bulk_create(accounts.values())
    return accounts, points


def _write_plan(
    plan: DemoPlan, agencies: dict[str, Agency], progress: Progress, steps: StepProgress | None = None
) -> Runner:
    accounts, points = _write_people(plan)
    n_cases = sum(1 for c in plan.customers for a in c.accounts if a.state)
    progress(
        f"  {len(plan.customers)} customers, {len(points)} contact points, {len(accounts)} accounts; "
        f"walking {n_cases} cases through the services ({len(plan.steps)} steps)…"
    )
    runner = Runner(accounts, points, agencies)
    for done, step in enumerate(plan.steps, start=1):
        runner.run(step)
        if steps is not None:
            steps(done, len(plan.steps))
        elif done % 1000 == 0:
            progress(f"  … {done}/{len(plan.steps)} steps")
    # Put each account where its story leaves it: days past due and status as of today (the open and
    # charge-off steps moved days past due); balances only where the debt turned out not to be owed at
    # all (payments and waivers already moved the others through the services).
    for a in (a for c in plan.customers for a in c.accounts if a.final):
        final = a.final
        state = (
            CollectionCase.objects.filter(pk=runner.case_ids[a.number]).values_list("state", flat=True).get()
        )
        if a.state == S.RESOLVED and state != S.RESOLVED:  # the pay-off was refused: still owed
            final = {"days_past_due": a.dpd, "status": CreditAccount.Status.DELINQUENT}
        CreditAccount.objects.filter(pk=accounts[a.number].pk).update(**final)
    # next_action_at is a plain scheduling field with no service: set directly, as the demo's
    # "follow up on" dates (in the future, so they show up in the agents' queues).
    for a in (a for c in plan.customers for a in c.accounts if a.next_action_at):
        CollectionCase.objects.filter(pk=runner.case_ids[a.number]).update(next_action_at=a.next_action_at)
    return runner


def _send_pending(progress: Progress) -> None:
    """Send what the outbox still holds, as the periodic relay would, outside any transaction.

    The demo's notices were queued at their past instants; notices allowed then were handed to the
    worker on commit, those deferred to contact hours wait here. Sending happens now, at today's clock
    (and the gate checks them again now), so their ``notice.sent`` events follow the demo's history.
    """
    from notifications.services import notice_relay_due, notice_send_many

    due = notice_relay_due(now=timezone.now(), limit=5000)
    if due:
        progress(f"Sending {len(due)} notices the outbox still holds (as the relay would)…")
        notice_send_many(notice_ids=due)


def seed_demo(
    *, customers: int = DEFAULT_CUSTOMERS, progress: Progress | None = None, steps: StepProgress | None = None
) -> DemoSummary:
    """Create the demo data unless it exists; always upsert the logins and agencies. Returns the summary.

    Safe to repeat: the second run creates nothing and only resets the demo passwords (and re-anchors
    the agencies' dates to today).
    """
    say = progress or (lambda _msg: None)
    now = timezone.now()
    skipped: list[str] = []
    with transaction.atomic():
        agencies = ensure_reference_data(today=timezone.localdate(now))
        created = not CreditAccount.objects.filter(account_number=MARKER_ACCOUNT).exists()
        if created:
            say(f"Building the demo plan ({customers} customers, seed {SEED})…")
            plan = build_plan(customers=customers, now=now)
            say("Writing customers, accounts and case histories…")
            skipped = _write_plan(plan, agencies, say, steps).skipped
        else:
            say(
                f"Demo data already present ({MARKER_ACCOUNT} exists): nothing created; demo passwords reset."
            )
    if created:
        _send_pending(say)
    for line in skipped:
        say(f"  skipped: {line}")
    summary = summarize(created=created)
    summary.skipped = skipped
    return summary


def _history() -> dict[str, str]:
    """One line per compliance report: what the demo put behind it."""

    def counted(rows: Counter[str]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(rows.items())) or "none"

    calls = ContactAttempt.objects.filter(direction=ContactAttempt.Direction.OUTBOUND)
    rules: Counter[str] = Counter()
    for blocked_by in calls.filter(allowed=False).values_list("blocked_by", flat=True):
        rules.update(blocked_by or [])
    plans = Counter(RepaymentPlan.objects.values_list("state", flat=True))
    waivers = Counter(FeeWaiver.objects.values_list("state", flat=True))
    disputes = Counter(
        "open"
        if d.resolved_at is None
        else ("resolved within SLA" if d.resolved_at <= d.sla_due_at else "resolved late")
        for d in Dispute.objects.all()
    )
    notices = Counter(Notice.objects.values_list("status", flat=True))
    limits = Counter(CreditLimitChange.objects.values_list("status", flat=True))
    quarantines = QuarantinedContact.objects.all()
    return {
        "calls": f"{calls.filter(allowed=True).count()} allowed, "
        f"{calls.filter(allowed=False).count()} blocked ({counted(rules)})",
        "plans": counted(plans),
        "payments": str(Payment.objects.count()),
        "waivers": counted(waivers),
        "disputes": counted(disputes),
        "notices": counted(notices),
        "wrong party": f"{quarantines.count()} quarantined numbers, "
        f"{quarantines.filter(lifted_at__isnull=False).count()} lifted",
        "limit changes": counted(limits),
    }


def summarize(*, created: bool) -> DemoSummary:
    counts = {
        label: model.objects.count()
        for label, model in (
            ("agencies", Agency),
            ("users", User),
            ("customers", Customer),
            ("contact points", ContactPoint),
            ("credit accounts", CreditAccount),
            ("cases", CollectionCase),
            ("disputes", Dispute),
            ("audit events", AuditEvent),
        )
    }
    rows = CollectionCase.objects.order_by().values("state").annotate(n=Count("pk"))
    by_state = {row["state"]: row["n"] for row in rows}
    return DemoSummary(
        created=created,
        counts=counts,
        cases_by_state={s.value: by_state.get(s.value, 0) for s in CaseState},
        lapsed_agency=f"{LAPSED.name} ({LAPSED.licence_number})",
        expiring_agency=f"{EXPIRING.name} ({EXPIRING.licence_number})",
        site_url=settings.SITE_URL,
        customer_link=demo_customer_link(),
        history=_history(),
    )


def summary_lines(summary: DemoSummary) -> list[str]:
    lines = [
        "Demo data " + ("created." if summary.created else "already present; nothing created."),
        "",
        "Rows in the database:",
    ]
    lines += [f"  {label:<16}{n:>7}" for label, n in summary.counts.items()]
    lines += ["", "Cases per state:"]
    lines += [f"  {state:<16}{n:>7}" for state, n in summary.cases_by_state.items()]
    if summary.history:
        lines += ["", "History behind the compliance reports:"]
        lines += [f"  {label:<16}{text}" for label, text in summary.history.items()]
    lines += [
        "",
        f"Lapsed-licence agency (placements are refused): {summary.lapsed_agency}",
        f"Agency whose licence ends within 30 days (the register warns): {summary.expiring_agency}",
        "",
        f"Demo logins (demo only):  {summary.site_url}/admin/",
    ]
    width = max(len(x.username) for x in summary.logins)
    pw_width = max(len(x.password) for x in summary.logins)
    lines += [f"  {x.username:<{width}} / {x.password:<{pw_width}}  {x.description}" for x in summary.logins]
    lines.append("  These passwords are public: never use seed_demo on a real deployment.")
    if summary.customer_link:
        lines += ["", f"Customer negotiation page (demo): {summary.customer_link}"]
    return lines
