import threading
import pytest
from django.db import connection, transaction
from django.utils import timezone
from debt_collections.audit import audit_append, verify_chain
from debt_collections.models import AuditChainHead
from tests.factories import SYSTEM

@pytest.mark.django_db(transaction=True)
def test_probe():
    AuditChainHead.objects.get_or_create(pk=1)
    stop = threading.Event()
    def writer():
        try:
            while not stop.is_set():
                with transaction.atomic():
                    audit_append(actor=SYSTEM, action="probe", at=timezone.now(), payload={})
        finally:
            connection.close()
    t = threading.Thread(target=writer); t.start()
    bad = 0
    try:
        for _ in range(200):
            if not verify_chain().ok:
                bad += 1
    finally:
        stop.set(); t.join()
    print("BAD", bad, "of 200")
