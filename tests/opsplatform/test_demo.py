import pytest
from django.core.management import call_command

from accounts.models import User
from messaging.models import Document, Post, PostRecipient


@pytest.mark.django_db
def test_demo_seed_creates_one_login_per_role_and_a_live_channel_and_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    printed = capsys.readouterr().out
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {"secretariat", "coordinator", "national_contact", "officer", "analyst", "observer"}
    for user in User.objects.all():
        assert user.username in printed
    assert User.objects.get(username="ncp.fr").language == "fr"
    assert Post.objects.count() == 3
    assert Document.objects.count() == 1
    alert = Post.objects.get(kind="alert")
    assert set(PostRecipient.objects.filter(post=alert).values_list("user__username", flat=True)) == {
        "coordinator",
        "officer.ng",
        "officer.fr",
    }
    assert User.objects.get(username="secretariat").check_password("Demeter-Secretariat-2026")
