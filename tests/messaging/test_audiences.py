"""For every audience, the people reached through inbox, push and e-mail are exactly the expected ones."""

import pytest

from accounts.choices import AdministrationKind, Role
from messaging import services
from messaging.choices import AudienceKind
from messaging.models import EventRecipient, Notification, PostRecipient


@pytest.fixture
def population(make_administration, make_user):
    """People of several countries, kinds of administration and roles, plus one disabled account."""
    fr_customs = make_administration(kind=AdministrationKind.CUSTOMS, country="FR")
    fr_police = make_administration(kind=AdministrationKind.POLICE, country="FR")
    ng_customs = make_administration(kind=AdministrationKind.CUSTOMS, country="NG")
    de_environment = make_administration(kind=AdministrationKind.ENVIRONMENT, country="DE")
    rilo = make_administration(kind=AdministrationKind.RILO, country="DE", rilo="WE")
    interpol = make_administration(kind=AdministrationKind.INTERNATIONAL, country=None)
    people = {
        "fr_officer": make_user(role=Role.OFFICER, administration=fr_customs),
        "fr_ncp": make_user(role=Role.NATIONAL_CONTACT, administration=fr_customs, language="fr"),
        "fr_police": make_user(role=Role.OFFICER, administration=fr_police),
        "ng_officer": make_user(role=Role.OFFICER, administration=ng_customs),
        "ng_analyst": make_user(role=Role.ANALYST, administration=ng_customs),
        "de_environment": make_user(role=Role.OFFICER, administration=de_environment),
        "coordinator": make_user(role=Role.COORDINATOR, administration=rilo),
        "observer": make_user(role=Role.OBSERVER, administration=interpol),
    }
    gone = make_user(role=Role.OFFICER, administration=fr_customs)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    people["disabled"] = gone
    return people


def _ids(people, names):
    return {people[name].pk for name in names}


CUSTOMS_PEOPLE = {"fr_officer", "fr_ncp", "ng_officer", "ng_analyst", "coordinator"}
EVERYBODY = {
    "fr_officer",
    "fr_ncp",
    "fr_police",
    "ng_officer",
    "ng_analyst",
    "de_environment",
    "coordinator",
    "observer",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sender", "audience", "chosen", "expected"),
    [
        ("fr_officer", AudienceKind.ALL_CUSTOMS, {}, CUSTOMS_PEOPLE),
        ("de_environment", AudienceKind.ALL_CUSTOMS, {}, CUSTOMS_PEOPLE | {"de_environment"}),
        ("fr_officer", AudienceKind.MY_COUNTRY, {}, {"fr_officer", "fr_ncp", "fr_police"}),
        ("ng_analyst", AudienceKind.MY_COUNTRY, {}, {"ng_officer", "ng_analyst"}),
        ("coordinator", AudienceKind.MY_COUNTRY, {}, {"coordinator", "de_environment"}),
        ("ng_officer", AudienceKind.EVERYBODY, {}, EVERYBODY),
        ("coordinator", AudienceKind.CHOSEN, {"users": ["ng_officer"]}, {"coordinator", "ng_officer"}),
        (
            "coordinator",
            AudienceKind.CHOSEN,
            {"administrations": ["fr_officer"], "users": ["de_environment"]},
            {"coordinator", "fr_officer", "fr_ncp", "de_environment"},
        ),
    ],
)
def test_delivered_set_equals_the_audience(
    population, listen, django_capture_on_commit_callbacks, sender, audience, chosen, expected
):
    listener = listen(person.pk for person in population.values())
    author = population[sender]

    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(
            author=author,
            topic="A",
            title="Suspect e-waste container",
            body="Container MSCU1234565 declared as *used goods*.",
            audience=audience,
            chosen_users=[population[name] for name in chosen.get("users", [])],
            chosen_administrations=[population[name].administration for name in chosen.get("administrations", [])],
        )

    expected_ids = _ids(population, expected)
    inbox = set(PostRecipient.objects.filter(post=post).values_list("user_id", flat=True))
    push_audience = set(EventRecipient.objects.filter(event__payload__id=post.pk).values_list("user_id", flat=True))
    pushed = {user_id for user_id, messages in listener.received().items() if messages}
    mailed = set(Notification.objects.filter(key=f"post:{post.pk}").values_list("user_id", flat=True))

    assert inbox == expected_ids
    assert push_audience == expected_ids
    assert pushed == expected_ids
    assert mailed == expected_ids - {author.pk}
    assert population["disabled"].pk not in inbox | pushed | mailed


@pytest.mark.django_db
def test_explicit_recipients_from_a_higher_layer(population):
    coordinator = population["coordinator"]
    participants = [population["ng_officer"].pk, population["fr_ncp"].pk]

    post = services.post_create(
        author=coordinator,
        topic="A",
        title="Operation briefing",
        body="Start on Monday.",
        audience=AudienceKind.EXPLICIT,
        recipients=participants,
        context="operation:7",
        context_label="DEMETER-2026",
    )

    assert set(PostRecipient.objects.filter(post=post).values_list("user_id", flat=True)) == {
        coordinator.pk,
        *participants,
    }


@pytest.mark.django_db
def test_replies_reach_exactly_the_thread_audience(population):
    author = population["fr_officer"]
    post = services.post_create(
        author=author, topic="B", title="Ivory at CDG", body="Checks?", audience=AudienceKind.MY_COUNTRY
    )

    reply = services.post_reply(author=population["fr_police"], parent=post, body="Nothing found here.")

    assert set(PostRecipient.objects.filter(post=reply).values_list("user_id", flat=True)) == _ids(
        population, {"fr_officer", "fr_ncp", "fr_police"}
    )
