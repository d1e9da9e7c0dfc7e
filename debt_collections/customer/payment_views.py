"""Entry points of the payment providers, mounted at ``/payments/``: the signed webhook every provider
calls, and the test provider's checkout page (served only while the test provider has a secret).

The webhook is CSRF-exempt (the provider has no session) and authenticated only by its signature
(``signing``): an unsigned, mis-signed or stale request gets 400 and changes nothing. A valid event is
applied by ``payment_webhook_apply``, idempotently; the provider gets 200 with the intent's state (so it
stops retrying) or 422 with the refusal's code.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from debt_collections.errors import DomainError
from debt_collections.models import IntentState, PaymentIntent
from debt_collections.payments_provider import signing
from debt_collections.services.online_payments import payment_webhook_apply


def webhook_secret(provider: str) -> str:
    secret: str = settings.PAYMENT_WEBHOOK_SECRETS.get(provider, "")
    return secret


def process(*, provider: str, body: bytes, signature: str) -> tuple[int, dict[str, object]]:
    """Verify and apply one callback; (HTTP status, JSON body). What the view and the test checkout
    share, so the test provider exercises exactly the path a real provider does."""
    now = timezone.now()
    secret = webhook_secret(provider)
    if not secret:
        return 404, {"code": "unknown_provider"}
    try:
        signing.verify(secret=secret, body=body, header=signature, now=now)
    except signing.BadSignature as exc:
        return 400, {"code": "bad_signature", "detail": str(exc)}
    try:
        event = json.loads(body)
    except ValueError:
        return 400, {"code": "invalid_json"}
    if not isinstance(event, dict):
        return 400, {"code": "invalid_json"}
    try:
        intent = payment_webhook_apply(provider=provider, event=event, now=now)
    except DomainError as exc:
        return 422, exc.as_dict()
    return 200, {"intent": intent.reference, "state": intent.state}


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    status, payload = process(
        provider=provider, body=request.body, signature=request.headers.get(signing.HEADER, "")
    )
    return JsonResponse(payload, status=status)


@require_http_methods(["GET", "POST"])
def test_checkout(request: HttpRequest, reference: str) -> HttpResponse:
    """The test provider's hosted checkout: the customer pays, is declined or cancels; each sends the
    signed webhook a real provider would send, then returns to the customer's page."""
    if "test" not in settings.PAYMENT_WEBHOOK_SECRETS:
        raise Http404
    intent = PaymentIntent.objects.filter(reference=reference, provider="test").first()
    if intent is None:
        raise Http404
    back = request.GET.get("back") or request.POST.get("back") or ""
    if request.method == "GET":
        return render(request, "payments/test_checkout.html", {"intent": intent, "back": back})
    choice = request.POST.get("choice")
    now = timezone.now()
    if choice == "pay":
        event: dict[str, object] = {
            "type": "payment.succeeded",
            "intent": intent.reference,
            "transaction": f"T-{intent.reference}",
            "amount": str(intent.amount),
            "currency": intent.currency,
            "received_at": now.isoformat(),
        }
    elif choice == "decline":
        event = {"type": "payment.failed", "intent": intent.reference, "reason": "card declined (test)"}
    else:
        event = {"type": "payment.abandoned", "intent": intent.reference}
    body = json.dumps(event).encode()
    process(
        provider="test",
        body=body,
        signature=signing.sign(secret=webhook_secret("test"), body=body, at=now - timedelta(seconds=1)),
    )
    intent.refresh_from_db()
    outcome = {IntentState.SUCCEEDED: "paid", IntentState.FAILED: "failed"}.get(intent.state, "cancelled")
    if back.startswith("/n/"):  # only back to a customer page on this site
        return HttpResponseRedirect(f"{back}?payment={outcome}#pay")
    return HttpResponseRedirect(reverse("payments:test-checkout", args=[reference]) + f"?done={outcome}")
