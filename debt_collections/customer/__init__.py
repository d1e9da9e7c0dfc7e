"""The customer's negotiation page (DESIGN §7), reached from a signed link: ``/n/<token>/``.

``views`` (the page, the identity check, "not me", leaving), ``actions`` (what a verified customer can do),
``context`` (what the verified page shows), ``forms``, ``session`` (per-link state), ``messages`` (plain
words for confirmations and errors). Templates: ``templates/negotiation/``.

Translations live in ``locale/zh_Hans/LC_MESSAGES/django.po`` and hold only this page's strings. After
changing a string, regenerate (the ignores keep other apps' strings out), translate, and compile; commit
both the ``.po`` and the ``.mo``::

    .venv/bin/python manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=tests \
        --ignore=var --ignore=bench --ignore=accounts --ignore=config --ignore=notifications \
        --ignore=compliance --ignore=admin --ignore=models --ignore=policies --ignore=services \
        --ignore=migrations --ignore=management --ignore='api*.py' --ignore=apps.py --ignore=audit.py \
        --ignore=compliance.py --ignore=db_triggers.py --ignore=demo.py --ignore=errors.py \
        --ignore=permissions.py --ignore=selectors.py --ignore='serializers*.py' --ignore=tasks.py \
        --ignore=manage.py
    .venv/bin/python manage.py compilemessages --ignore=.venv -l zh_Hans
"""
