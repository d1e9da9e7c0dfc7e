"""Mounted at ``/n/`` by ``config.urls``. The token is the signed link id; every path starts with it."""

from __future__ import annotations

from django.urls import path

from debt_collections.customer import actions, paying, review, views

app_name = "negotiation"

urlpatterns = [
    path("<str:token>/", views.page, name="page"),
    path("<str:token>/verify/", views.verify, name="verify"),
    path("<str:token>/not-me/", views.wrong_party, name="wrong-party"),
    path("<str:token>/new-link/", views.new_link, name="new-link"),
    path("<str:token>/leave/", views.leave, name="leave"),
    path("<str:token>/review/", review.review, name="review"),
    path("<str:token>/accept/", actions.accept, name="accept"),
    path("<str:token>/withdraw/", actions.withdraw, name="withdraw"),
    path("<str:token>/hardship/", actions.hardship, name="hardship"),
    path("<str:token>/dispute/", actions.dispute, name="dispute"),
    path("<str:token>/complaint/", actions.complaint, name="complaint"),
    path("<str:token>/callback/", actions.callback, name="callback"),
    path("<str:token>/promise/", paying.promise, name="promise"),  # issue 14
    path("<str:token>/pay/", paying.pay, name="pay"),  # issue 14
    path("<str:token>/opt-out/", actions.opt_out, name="opt-out"),
    path(
        "<str:token>/limit-change/<int:change_id>/appeal/", actions.limit_appeal, name="limit-change-appeal"
    ),
]
