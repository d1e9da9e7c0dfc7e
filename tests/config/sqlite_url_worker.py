"""Run by ``test_sqlite_url.py`` in a child process whose DATABASE_URL is ``sqlite:///…``.

The settings module reads DATABASE_URL once at import, so the parallel run needs its own process. It
migrates a fresh file database, opens one early case, then releases 20 threads (each its own connection
and transaction, as 20 gunicorn threads would have) that all ask the API to escalate that case. It
prints one JSON line: the connection options in force and the status code of each request.
"""

from __future__ import annotations

import json
import os
import sys
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import Role  # noqa: E402
from tests.factories import UserFactory, make_case  # noqa: E402

PARALLEL = 20


def main() -> None:
    import logging

    # 19 expected 409s would each log a warning and bury a real error in the parent's report.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    agent = UserFactory.create(username="sqlite_url_agent", roles=[Role.AGENT])
    case = make_case("early")
    url = reverse("api:case-transitions", kwargs={"id": case.pk})
    barrier = threading.Barrier(PARALLEL, timeout=60)
    codes: list[int] = [0] * PARALLEL

    def worker(index: int) -> None:
        client = APIClient()
        client.force_authenticate(agent)
        try:
            barrier.wait()
            response = client.post(url, {"transition": "escalate", "reason": "parallel"}, format="json")
            codes[index] = response.status_code
        except Exception as exc:  # reported as a 599 so the parent test shows it
            print(f"worker {index}: {exc!r}", file=sys.stderr)
            codes[index] = 599
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    options = settings.DATABASES["default"].get("OPTIONS", {})
    print(json.dumps({"options": options, "codes": codes}))


if __name__ == "__main__":
    main()
