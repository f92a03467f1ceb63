"""Accounts left unused are reminded once, then blocked; contact points deactivate and reactivate their people."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from accounts import services
from accounts.choices import DeactivationReason, Role
from accounts.models import User
from accounts.tasks import block_inactive_accounts
from tests.conftest import PASSWORD


def _last_seen(user, days_ago):
    """The person last signed in ``days_ago`` days ago (and the account is older than that)."""
    moment = timezone.now() - timedelta(days=days_ago)
    User.objects.filter(pk=user.pk).update(last_login=moment, date_joined=moment - timedelta(days=1))


@pytest.mark.django_db(transaction=True)
def test_one_reminder_ten_days_before_in_the_persons_language(transactional_reference, make_user, settings):
    assert (settings.ACCOUNT_INACTIVITY_DAYS, settings.ACCOUNT_INACTIVITY_REMINDER_DAYS) == (180, 10)
    due = make_user(language="fr")
    recent = make_user()
    _last_seen(due, 171)
    _last_seen(recent, 100)

    assert services.inactive_accounts_process() == (1, 0)
    assert services.inactive_accounts_process() == (0, 0), "one reminder only"

    assert [message.to for message in mail.outbox] == [[due.email]]
    assert "/accounts/login/" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_unused_accounts_are_blocked_and_can_no_longer_sign_in(transactional_reference, client, make_user):
    stale = make_user()
    never_used = make_user()
    _last_seen(stale, 181)
    User.objects.filter(pk=never_used.pk).update(date_joined=timezone.now() - timedelta(days=200))

    assert services.inactive_accounts_process() == (0, 2)

    stale.refresh_from_db()
    assert not stale.is_active
    assert stale.deactivation_reason == DeactivationReason.INACTIVITY
    assert client.post("/accounts/login/", {"username": stale.username, "password": PASSWORD}).status_code == 200
    assert services.inactive_accounts_process() == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_signing_in_again_restarts_the_clock_and_a_later_period_reminds_again(transactional_reference, make_user):
    user = make_user()
    _last_seen(user, 172)
    services.inactive_accounts_process()
    _last_seen(user, 173)  # signed in, then stayed away again
    User.objects.filter(pk=user.pk).update(inactivity_reminder_sent_at=timezone.now() - timedelta(days=200))

    assert services.inactive_accounts_process() == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_the_command_and_the_task_run_the_same_sweep(transactional_reference, make_user):
    _last_seen(make_user(), 190)
    out = io.StringIO()
    call_command("block_inactive_accounts", stdout=out)
    assert "0 reminded, 1 blocked" in out.getvalue()
    assert block_inactive_accounts.delay().get() == (0, 0)


@pytest.mark.django_db
def test_a_reactivated_account_is_not_blocked_again_at_once(make_user):
    ncp = make_user(role=Role.NATIONAL_CONTACT)
    officer = make_user(administration=ncp.administration)
    _last_seen(officer, 200)
    services.inactive_accounts_process()

    services.user_reactivate(actor=ncp, user=officer)

    assert services.inactive_accounts_process() == (0, 0)
    officer.refresh_from_db()
    assert officer.is_active


@pytest.mark.django_db
def test_a_contact_point_manages_only_the_non_privileged_people_of_their_administration(make_user, make_administration):
    ncp = make_user(role=Role.NATIONAL_CONTACT)
    colleague = make_user(administration=ncp.administration)
    other_ncp = make_user(role=Role.NATIONAL_CONTACT, administration=ncp.administration)
    stranger = make_user(administration=make_administration(country="NG"))

    services.user_deactivate(actor=ncp, user=colleague)
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert colleague.deactivation_reason == DeactivationReason.CONTACT_POINT
    for person in (other_ncp, stranger):
        with pytest.raises(PermissionDenied):
            services.user_deactivate(actor=ncp, user=person)
    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=colleague, user=ncp)


@pytest.mark.django_db
def test_the_people_page_deactivates_and_reactivates(client, make_user, make_administration):
    ncp = make_user(role=Role.NATIONAL_CONTACT)
    colleague = make_user(administration=ncp.administration, first_name="Inès", last_name="Colleague")
    stranger = make_user(administration=make_administration(country="NG"))
    client.force_login(ncp)

    assert "Inès Colleague" in client.get("/accounts/people/").content.decode()
    assert client.post(f"/accounts/people/{colleague.pk}/deactivate/").status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert "Reactivate" in client.get("/accounts/people/").content.decode()
    client.post(f"/accounts/people/{colleague.pk}/reactivate/")
    colleague.refresh_from_db()
    assert colleague.is_active

    assert client.post(f"/accounts/people/{stranger.pk}/deactivate/").status_code == 404
    assert client.post(f"/accounts/people/{colleague.pk}/promote/").status_code == 404
    assert client.get(f"/accounts/people/{colleague.pk}/deactivate/").status_code == 405
    own = client.post(f"/accounts/people/{ncp.pk}/deactivate/", follow=True)
    assert "cannot" in own.content.decode()
    ncp.refresh_from_db()
    assert ncp.is_active
