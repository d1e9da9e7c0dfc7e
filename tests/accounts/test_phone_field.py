"""``StoredPhoneNumberField``: stored numbers are parsed once per process, and nothing else changes."""

from __future__ import annotations

import pytest
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import ContactPoint
from tests.factories import CustomerFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def test_a_loaded_number_is_the_stored_e164_text_and_finds_its_point_however_it_is_written() -> None:
    point = PhoneFactory.create(customer=CustomerFactory.create(), phone="+86 139 1234 5678")

    loaded = ContactPoint.objects.get(pk=point.pk)

    assert isinstance(loaded.phone, PhoneNumber)
    assert loaded.value == "+8613912345678"
    for written in ("+8613912345678", "+86 139 1234 5678", loaded.phone):
        assert list(ContactPoint.objects.filter(phone=written)) == [loaded], written
        assert list(ContactPoint.objects.filter(phone__in=[written])) == [loaded], written


def test_two_loads_share_the_parsed_number_but_a_new_number_is_never_shadowed() -> None:
    point = PhoneFactory.create(customer=CustomerFactory.create(), phone="+8613912345678")
    first, second = ContactPoint.objects.get(pk=point.pk), ContactPoint.objects.get(pk=point.pk)
    assert first.phone is second.phone  # parsed once

    # When one instance gets a new number and is saved
    first.phone = "+8613800000001"  # type: ignore[assignment]  # the stubs type the field, not its value
    assert first.value == "+8613800000001"
    first.save(update_fields=["phone"])

    # Then the other instance still shows what it loaded, and a fresh load the new number
    assert second.value == "+8613912345678"
    assert ContactPoint.objects.get(pk=point.pk).value == "+8613800000001"


def test_an_invalid_stored_number_keeps_its_raw_text() -> None:
    point = PhoneFactory.create(customer=CustomerFactory.create(), phone="+86123")
    loaded = ContactPoint.objects.get(pk=point.pk)
    assert loaded.value == "+86123"
    assert list(ContactPoint.objects.filter(phone="+86123")) == [loaded]
