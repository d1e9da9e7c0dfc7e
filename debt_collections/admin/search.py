"""Case search helpers: a phone number typed the way people type them."""

from __future__ import annotations

import re

import phonenumbers

# A search term that could be a phone number: digits with the usual separators, optional leading +.
PHONE_TERM = re.compile(r"^\+?[\d\s().-]{6,20}$")
# Regions a national-format number is tried in: the jurisdictions of the policy packs (CN, US, UK).
PHONE_SEARCH_REGIONS = ("CN", "US", "GB")


def phone_search_candidates(term: str) -> set[str]:
    """The E.164 forms a search term may mean: ``13800001234`` and ``+8613800001234`` both give
    ``+8613800001234``. Empty when the term does not look like a phone number.

    Matching exact E.164 values (as stored) keeps the search on the phone index instead of a
    ``LIKE '%…'`` scan over every contact point.
    """
    term = term.strip()
    if not PHONE_TERM.match(term):
        return set()
    digits = re.sub(r"\D", "", term)
    attempts: list[tuple[str, str | None]] = (
        [(term, None)]
        if term.startswith("+")
        # Without "+", a national number in one of our regions, or a country code typed without "+".
        else [(term, region) for region in PHONE_SEARCH_REGIONS] + [("+" + digits, None)]
    )
    found: set[str] = set()
    for text, region in attempts:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return found
