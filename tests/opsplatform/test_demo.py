import json

import pytest
from django.core.management import call_command

from accounts.models import User
from messaging.models import Document, Post, PostRecipient
from operations.models import Operation
from opsplatform.management.commands.seed_demo import DEMO_ACCOUNTS
from seizures.models import Seizure


@pytest.mark.django_db
def test_demo_seed_creates_logins_channel_and_operations_and_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    printed = capsys.readouterr().out
    demo_users = json.loads(DEMO_ACCOUNTS.read_text())["users"]
    assert {item["role"] for item in demo_users} == {
        "secretariat", "coordinator", "national_contact", "officer", "analyst", "observer",
    }  # fmt: skip
    for item in demo_users:
        assert f"{item['username']}" in printed
        assert item["password"] in printed
    assert User.objects.get(username="ncp.fr").language == "fr"

    assert Post.objects.filter(context="").count() == 3
    assert Document.objects.count() == 1
    alert = Post.objects.get(kind="alert")
    assert set(PostRecipient.objects.filter(post=alert).values_list("user__username", flat=True)) == {
        "coordinator",
        "officer.ng",
        "officer.fr",
    }

    demeter = Operation.objects.get(code="DEMETER-2026")
    assert demeter.status == "active"
    assert demeter.participations.count() == 60
    assert demeter.participations.filter(status="accepted").count() == 55
    assert demeter.participations.values("administration__country__rilo").distinct().count() >= 8
    assert Operation.objects.get(code="CITES-DAY-2026").status == "closed"

    seizures = Seizure.objects.filter(operation=demeter)
    assert seizures.count() == 120, "simulated once: the second run adds none"
    assert "DEMETER-2026: 120 simulated seizures filed" in printed
    assert "DEMETER-2026: 120 seizures already filed." in printed
    assert seizures.filter(status="validated").count() == 72
    assert seizures.filter(filed_by__username="officer.fr").count() >= 3
    assert seizures.filter(filed_by__username="officer.ng").count() >= 3
    assert seizures.values("country").distinct().count() >= 20
