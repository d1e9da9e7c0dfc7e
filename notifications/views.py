"""The one-click opt-out page reached from every SMS and email. No login: the link is signed."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import ContactPoint
from debt_collections.kernel.audit import Actor
from debt_collections.services import contact_opt_out
from notifications.rendering import OPT_OUT_SALT

CHANNEL_LABELS = {
    "sms": ("短信", "text messages"),
    "email": ("电子邮件", "email"),
    "call": ("电话", "calls"),
    "letter": ("信件", "letters"),
}


# The signed token is the authority, and mail providers send the RFC 8058 one-click POST without our
# cookies; CSRF protection would refuse exactly the request List-Unsubscribe-Post promises to honour.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button; POST opts out. A GET never changes anything, so link scanners that open
    every URL in a message cannot opt a customer out (or in) by accident."""
    try:
        data = signing.loads(token, salt=OPT_OUT_SALT)
        point = ContactPoint.objects.select_related("customer").get(pk=int(data["p"]))
        channel = str(data["c"])
    except (signing.BadSignature, ContactPoint.DoesNotExist, KeyError, TypeError, ValueError):
        return render(request, "notifications/opt_out.html", {"invalid": True}, status=404)
    lang = point.customer.locale if request.GET.get("lang") not in ("en", "zh-hans") else request.GET["lang"]
    translation.activate(lang)
    zh, en = CHANNEL_LABELS.get(channel, (channel, channel))
    context = {
        "zh": lang == "zh-hans",
        "channel_label": zh if lang == "zh-hans" else en,
        "done": False,
        "token": token,
    }
    if request.method == "POST":
        # The opt-out is per contact point and channel; the actor names the signed link, not a person.
        contact_opt_out(
            contact_point_id=point.pk, channel=channel, actor=Actor(label=f"optout:{point.pk}:{channel}")
        )
        context["done"] = True
    return render(request, "notifications/opt_out.html", context)
