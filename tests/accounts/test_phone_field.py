"""``StoredPhoneNumberField``: loaded numbers are parsed only when needed, and nothing else changes."""

from __future__ import annotations

import copy
import pickle

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


def test_a_loaded_number_is_parsed_only_when_more_than_its_text_is_needed_and_then_behaves_the_same() -> None:
    point = PhoneFactory.create(customer=CustomerFactory.create(), phone="+8613912345678")
    first, second = ContactPoint.objects.get(pk=point.pk), ContactPoint.objects.get(pk=point.pk)

    # Reading the text (the gate, notices, masking) does not parse
    assert first.value == "+8613912345678" and first.masked_value == "+861****5678"
    assert "country_code" not in vars(first.phone)

    # Anything else parses once and then answers like a parsed number
    expected = PhoneNumber.from_string("+8613912345678")
    assert first.phone.country_code == 86 and first.phone.national_number == 13912345678
    assert first.phone.is_valid()
    assert first.phone == expected and first.phone == "+8613912345678"
    assert hash(second.phone) == hash(expected)
    assert copy.deepcopy(second.phone) == expected and pickle.loads(pickle.dumps(second.phone)) == expected  # noqa: S301 (our own bytes)

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
