"""Every route against every role, as ``accounts.policy`` declares it.

Two operations run side by side: Nigeria (country A) takes part in the first, coordinated by RILO
West Africa; France (country B) only in the second, coordinated by RILO Western Europe. Everything
of the second operation carries the marker ``FOREIGNOP``: no answer to a Nigerian user may contain
it, and every object of the second operation answers them exactly as a missing one does, whatever
the method.
"""

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts import policy
from accounts import services as account_services
from accounts.choices import AdministrationKind, Role
from accounts.models import Administration, AuditEvent, User
from messaging import services as messaging_services
from messaging import streams
from messaging.choices import AudienceKind
from messaging.models import EventRecipient
from operations import services as operation_services
from opsplatform.routes import named_routes
from reference.models import Country, Mea, Rilo
from reports import services as report_services
from seizures import services as seizure_services

MARKER = "FOREIGNOP"
MISSING_ID = 987654321
METHODS = ("get", "post", "put", "patch", "delete")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\0" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- the two operations ----------------------------------------------------------------------


def _administration(code: str, kind: str, country: str | None = None, rilo: str | None = None) -> Administration:
    return account_services.administration_create(
        code=code,
        name=code.replace("-", " ").title(),
        kind=kind,
        country=Country.objects.get(code=country) if country else None,
        rilo=Rilo.objects.get(code=rilo) if rilo else None,
    )


def _user(name: str, role: str, administration: Administration) -> User:
    return account_services.user_create(
        username=name, email=f"{name}@example.org", password=None, administration=administration, role=role
    )


def _filing(*, country: str, port: str, narrative: str, party: str) -> dict[str, Any]:
    return {
        "occurred_at": timezone.now() - timedelta(hours=2),
        "place_port": port,
        "place_function": "port",
        "direction": "import",
        "transport_mode": "1",
        "detection_methods": ["risk_profiling"],
        "concealment_methods": ["misdeclaration"],
        "reasons": ["a"],
        "actions_taken": ["seized"],
        "narrative": narrative,
        "lines": [
            {
                "mea": "BASEL",
                "hs_code": "8549.11",
                "description": "Waste lead-acid batteries",
                "quantity": Decimal("12.5"),
                "unit": "TNE",
                "waste_code": "A1160",
            }
        ],
        "route": [
            {"role": "origin", "country": "IT", "place_port": "", "place_name": "Genoa"},
            {"role": "discovery", "country": country, "place_port": "", "place_name": "Port"},
        ],
        "parties": [{"kind": "company", "role": "exporter", "name": party, "registration_number": "X-1"}],
    }


def _operation(code: str, office: Administration, coordinator: User, country: Administration, ncp: User) -> Any:
    now = timezone.now()
    operation = operation_services.operation_create(
        user=coordinator,
        code=code,
        name_en=code.title(),
        name_fr=code.title(),
        coordinating_administration=office,
        coordinators=[coordinator],
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        scope_meas=[Mea.objects.get(code="BASEL")],
    )
    operation_services.participation_invite(user=coordinator, operation=operation, administrations=[country])
    participation = operation.participations.get(administration=country)
    operation_services.participation_respond(user=ncp, participation=participation, accept=True)
    return operation_services.operation_transition(user=coordinator, operation=operation, action="activate")


def _side(letter: str, country: str, rilo: str, code: str, port: str, marker: str) -> SimpleNamespace:
    office = _administration(f"rilo-{rilo}-{letter}", AdministrationKind.RILO, rilo=rilo)
    national = _administration(f"customs-{country}-{letter}", AdministrationKind.CUSTOMS, country=country)
    side = SimpleNamespace(
        office=office, national=national, coordinator=_user(f"coord_{letter}", Role.COORDINATOR, office)
    )
    for role in (Role.NATIONAL_CONTACT, Role.OFFICER, Role.ANALYST, Role.OBSERVER):
        setattr(side, role, _user(f"{role}_{letter}", role, national))
    side.operation = _operation(code, office, side.coordinator, national, side.national_contact)
    side.seizure = seizure_services.seizure_create(
        user=side.officer,
        operation=side.operation,
        data=_filing(country=country, port=port, narrative=f"{marker} narrative", party=f"{marker} Trading Ltd"),
        submit=True,
        attachments=[SimpleUploadedFile(f"{marker}-photo.png", PNG, content_type="image/png")],
    )
    side.photo = side.seizure.attachments.get()
    side.thread = operation_services.operation_post(
        user=side.officer, operation=side.operation, title=f"{marker} thread", body=f"{marker} body", topic="E"
    )
    side.post = messaging_services.post_create(
        author=side.officer,
        kind="information",
        topic="E",
        title=f"{marker} country post",
        body="Body",
        audience=AudienceKind.MY_COUNTRY,
        attachments=[SimpleUploadedFile(f"{marker}.pdf", PDF, content_type="application/pdf")],
    )
    side.post_file = side.post.attachments.get()
    side.document = messaging_services.document_upload(
        uploader=side.coordinator,
        title_en=f"{marker} guide",
        title_fr=f"{marker} guide",
        kind="manual",
        topic="E",
        meas=[],
        upload=SimpleUploadedFile(f"{marker}-guide.pdf", PDF, content_type="application/pdf"),
        audience=AudienceKind.CHOSEN,
        chosen_users=[],
        chosen_administrations=[national],
    )
    if letter == "a":  # the coordinators' edition, read by the first operation's coordinator and the secretariat
        side.report_coordination = report_services.report_request(
            user=side.coordinator, operation=side.operation, kind="preliminary", language="en"
        )
    side.report_participants = report_services.report_request(
        user=side.national_contact, operation=side.operation, kind="preliminary", language="en"
    )
    side.preference = messaging_services.notification_preference_set(
        user=side.officer, kind="", topic="E", context="", frequency="off"
    )
    side.token, _raw = account_services.token_issue(user=side.officer, name=f"{marker} token")
    side.unit = account_services.unit_create(
        actor=side.national_contact, administration=national, name=f"Desk {letter}"
    )
    account_services.unit_add_member(actor=side.national_contact, unit=side.unit, user=side.officer)
    return side


def _partner(home: SimpleNamespace) -> SimpleNamespace:
    """Ghana joins the first operation after Nigeria filed: a participant, not the reporting administration."""
    ghana = _administration("customs-gh-a", AdministrationKind.CUSTOMS, country="GH")
    partner = SimpleNamespace(
        national_contact=_user("national_contact_gh", Role.NATIONAL_CONTACT, ghana),
        officer=_user("officer_gh", Role.OFFICER, ghana),
    )
    operation_services.participation_invite(user=home.coordinator, operation=home.operation, administrations=[ghana])
    participation = home.operation.participations.get(administration=ghana)
    operation_services.participation_respond(user=partner.national_contact, participation=participation, accept=True)
    return partner


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    """Built once for the module inside a transaction that is rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            secretariat = _administration("secretariat-policy", AdministrationKind.SECRETARIAT)
            home = _side("a", "NG", "WA", "HOMEOP-2026", "NGAPP", "HOMEOP")
            foreign = _side("b", "FR", "WE", f"{MARKER}-2026", "FRLEH", MARKER)
            world = SimpleNamespace(
                home=home,
                foreign=foreign,
                secretariat=_user("secretariat_policy", Role.SECRETARIAT, secretariat),
                partner=_partner(home),
            )
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- how each route is reached --------------------------------------------------------------

FIXED_KWARGS: dict[str, dict[str, Any]] = {
    "report-download": {"fmt": "pdf"},
    "report-table-csv": {"table": "key_figures"},
    "report-chart": {"name": "per-day"},
    "operation-answer": {"answer": "accept"},
    "operation-action": {"action": "close"},
    "report-region": {"rilo": "WA"},
    "person-action": {"action": "unlock"},
}

#: Routes whose object the policy scopes to one side: their URL kwargs for a side's objects.
OBJECT_KWARGS = {
    "operation": lambda side, pk: {"operation_id": pk(side.operation)},
    "seizure": lambda side, pk: {"seizure_id": pk(side.seizure)},
    "post": lambda side, pk: {"post_id": pk(side.thread)},
    "document": lambda side, pk: {"document_id": pk(side.document)},
    "report": lambda side, pk: {"report_id": pk(side.report_participants)},
    "token": lambda side, pk: {"pk": pk(side.token)},
    "notification_setting": lambda side, pk: {"preference_id": pk(side.preference)},
    "audit_event": lambda side, pk: {"event_id": pk(AuditEvent.objects.filter(administration=side.national).first())},
    "access_request": lambda side, pk: {"request_id": pk(_access_request(side))},
    "account": lambda side, pk: {"person_id": pk(side.officer)},
    "unit": lambda side, pk: {"unit_id": pk(side.unit)},
}


def _access_request(side: SimpleNamespace) -> Any:
    """The side's administration's open request to join (the service returns the same one each time)."""
    return account_services.access_request_submit(
        first_name="Applicant",
        last_name=side.national.code,
        email=f"applicant@{side.national.code}.example.org",
        administration=side.national,
        position="Inspector",
        justification="Joins the operation.",
    )


def _pk(obj: Any) -> int:
    return obj.pk


def _missing(obj: Any) -> int:
    return MISSING_ID


def _url(name: str, route: policy.Route, side: SimpleNamespace | None, pk: Any = _pk) -> str | None:
    """The route's URL for one side's object (or a missing one), or ``None`` when it takes no object."""
    kwargs = dict(FIXED_KWARGS.get(name, {}))
    if route.object_type == "file":
        uid = uuid.uuid4() if pk is _missing else (side.photo if name == "seizure-file" else side.post_file).uuid
        kwargs["uuid"] = uid
        if name == "seizure-file":
            kwargs["seizure_id"] = pk(side.seizure)
    elif route.object_type in OBJECT_KWARGS and side is not None:
        kwargs.update(OBJECT_KWARGS[route.object_type](side, pk))
        if name == "unit-member-remove":
            kwargs["person_id"] = side.officer.pk
    elif route.object_type not in ("", "rilo", "reference", "administration"):
        raise AssertionError(f"{name}: no way to reach a {route.object_type}")
    if ":" in name and "operation_id" not in kwargs:  # API routers name their id ``pk``
        for key in ("seizure_id", "post_id", "document_id", "report_id", "preference_id"):
            if key in kwargs:
                kwargs["pk"] = kwargs.pop(key)
    if name.startswith("operations-api:") and "operation_id" in kwargs:
        kwargs["pk"] = kwargs.pop("operation_id")
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _routes() -> list[tuple[str, policy.Route]]:
    """Declared routes; the registry test reports undeclared ones."""
    return [(named.name, route) for named in named_routes() if (route := policy.route_for(named.name)) is not None]


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


HOME_ROLES = ("coordinator", Role.NATIONAL_CONTACT, Role.OFFICER, Role.ANALYST, Role.OBSERVER)


def _home_user(world: SimpleNamespace, role: str) -> User:
    return getattr(world.home, role)


# --- the registry -----------------------------------------------------------------------------


def test_every_route_of_the_project_has_a_rule():
    missing = [named.name for named in named_routes() if policy.route_for(named.name) is None]
    assert missing == [], f"routes without a rule in accounts.policy.ROUTES: {missing}"


def test_the_registry_names_no_route_that_does_not_exist():
    existing = {named.name for named in named_routes()}
    assert sorted(set(policy.ROUTES) - existing) == []


def test_rules_grant_only_known_roles():
    for rule in policy.RULES.values():
        assert set(rule.grants) <= set(Role.values), rule.action


# --- objects of an operation one is not part of ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", HOME_ROLES)
def test_every_object_of_a_foreign_operation_answers_like_a_missing_one(world, role):
    user = _home_user(world, role)
    client = _client(user)
    differences = []
    for name, route in _routes():
        if route.access != policy.Access.ACTION or route.object_type in ("", "rilo", "reference", "administration"):
            continue
        foreign = _url(name, route, world.foreign)
        missing = _url(name, route, world.foreign, _missing)
        assert foreign, name
        assert missing, name
        # Every method for officers (a method the registry forgot is caught too); the declared ones for the rest.
        methods = METHODS if role == Role.OFFICER else [m for m in METHODS if m.upper() in route.methods]
        for method in methods:
            seen = getattr(client, method)(foreign)
            expected = getattr(client, method)(missing)
            if seen.status_code != expected.status_code or seen.status_code < 300 or MARKER in _body(seen):
                differences.append(f"{method.upper()} {name}: {seen.status_code}, missing {expected.status_code}")
    assert not differences, "\n".join(differences)


LIST_FILTERS = (  # parameters of different lists share a query; each list reads its own
    "operation={op}&context=operation:{op}&status=submitted",
    "q=narrative&search=guide",
    "administration={admin}&country=FR&coordinator={office}&rilo=WE",
)
NOT_DATA = ("api-schema", "api-docs")


@pytest.mark.django_db
@pytest.mark.parametrize("role", HOME_ROLES)
def test_no_list_search_filter_or_page_shows_a_foreign_row(world, role):
    user = _home_user(world, role)
    client = _client(user)
    foreign = world.foreign
    leaks = []
    for name, route in _routes():
        if route.access not in (policy.Access.ACTION, policy.Access.AUTHENTICATED) or "GET" not in route.methods:
            continue
        if name in NOT_DATA or route.action == "reference.view":
            continue
        if route.object_type in ("rilo", "reference", "administration") or route.access != policy.Access.ACTION:
            url, queries = _url(name, route, None), [""]
        elif route.object_type == "" and (route.methods == ("GET",) or name.endswith("-list")):
            url = _url(name, route, None)
            queries = [""] + [
                "?" + query.format(op=foreign.operation.pk, admin=foreign.national.pk, office=foreign.office.pk)
                for query in LIST_FILTERS
            ]
        else:
            url = _url(name, route, world.home if route.object_type else None)
            queries = [""]
        if url is None:
            continue
        for query in queries:
            response = client.get(url + query)
            if response.status_code >= 500 or MARKER in _body(response):
                leaks.append(f"{name}{query}: {response.status_code}")
        if len(queries) > 1:  # a foreign id in a filter answers as an unknown one: no existence oracle
            seen = client.get(f"{url}?operation={foreign.operation.pk}")
            unknown = client.get(f"{url}?operation={MISSING_ID}")
            if seen.status_code != unknown.status_code or _body(seen).count("<tr") != _body(unknown).count("<tr"):
                leaks.append(f"{name}?operation=<foreign>: {seen.status_code}, unknown id: {unknown.status_code}")
    assert not leaks, "\n".join(leaks)


# --- one's own objects: the outcome the policy declares ---------------------------------------


def _relations(world: SimpleNamespace, user: User, name: str, route: policy.Route) -> set[policy.Relation]:
    """How a user of the first operation's world stands to the object the route names there."""
    home = world.home
    national = user.administration_id == home.national.pk
    coordinator = user == home.coordinator
    R = policy.Relation
    relations: set[policy.Relation] = set()
    if route.object_type == "":
        return {R.OWN_ADMINISTRATION} if user.role != Role.SECRETARIAT else set()
    if route.object_type in ("operation", "seizure", "report"):
        relations |= {R.PARTICIPANT} if national else set()
        relations |= {R.COORDINATOR} if coordinator else set()
        if (route.object_type == "seizure" and national) or (route.object_type == "operation" and coordinator):
            relations.add(R.OWN_ADMINISTRATION)
    elif route.object_type == "post":  # the operation's thread, written by the Nigerian officer
        relations |= {R.RECIPIENT} if national or coordinator else set()
        relations |= {R.COORDINATOR} if coordinator else set()
        relations |= {R.AUTHOR} if user == home.officer else set()
    elif route.object_type == "document":  # the coordinator's guide for Nigeria
        relations |= {R.RECIPIENT} if national or coordinator else set()
    elif route.object_type == "file":
        if name == "seizure-file":
            relations |= {R.OWN_ADMINISTRATION, R.PARTICIPANT} if national else set()
            relations |= {R.COORDINATOR} if coordinator else set()
        else:  # attached to a post to everyone in Nigeria
            relations |= {R.RECIPIENT} if national else set()
    elif route.object_type == "unit":  # Nigeria's desk: its officer is a member
        relations |= {R.OWN_ADMINISTRATION} if national else set()
        relations |= {R.MEMBER} if user == home.officer else set()
    elif route.object_type in ("audit_event", "access_request", "account"):
        relations |= {R.OWN_ADMINISTRATION} if national else set()
    elif route.object_type == "rilo":  # West Africa: Nigeria's region, the coordinating office's region
        relations |= {R.OWN_ADMINISTRATION} if national or coordinator else set()
    return relations


def _own_url(world: SimpleNamespace, user: User, name: str, route: policy.Route) -> str | None:
    home = world.home
    if route.object_type == "report" and (user == home.coordinator or user.role == Role.SECRETARIAT):
        return _url(name, route, SimpleNamespace(report_participants=home.report_coordination))
    if route.object_type in ("token", "notification_setting"):
        return None  # the officer's own: covered by the foreign test and the apps' tests
    if name == "channel-file":
        return _url(name, route, home)
    return _url(name, route, home)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*HOME_ROLES, Role.SECRETARIAT])
def test_each_role_meets_the_policy_on_its_own_operation(world, role):
    user = world.secretariat if role == Role.SECRETARIAT else _home_user(world, role)
    client = _client(user)
    wrong = []
    for name, route in _routes():
        if route.access != policy.Access.ACTION or "GET" not in route.methods:
            continue
        url = _own_url(world, user, name, route)
        if url is None:
            continue
        if route.object_type in ("reference", "administration"):
            allowed = user.role in policy.roles_for(route.action)
        else:
            allowed = policy.allows(route.action, user=user, relations=_relations(world, user, name, route))
        status = client.get(url).status_code
        a_list = route.object_type == "" and (route.methods == ("GET",) or name.endswith("-list"))
        if allowed and status != 200:
            wrong.append(f"{name} allowed, got {status}")
        if not allowed and status not in (403, 404) and not (a_list and status == 200):
            wrong.append(f"{name} refused, got {status}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_anonymous_callers_are_sent_to_sign_in_or_refused(world):
    client = Client()
    wrong = []
    for name, route in _routes():
        if route.access in (policy.Access.PUBLIC, policy.Access.PROBE):
            continue
        url = _url(name, route, world.home)
        if url is None:
            continue
        for method in route.methods:
            response = getattr(client, method.lower())(url)
            if route.access == policy.Access.STAFF:
                if response.status_code not in (302, 405) and name not in ("admin:login", "admin:logout"):
                    wrong.append(f"{method} {name}: {response.status_code}")
                continue
            page = not url.startswith("/api/")
            to_sign_in = response.status_code == 302 and "login" in response["Location"]
            if page and not to_sign_in and response.status_code != 405:
                wrong.append(f"{method} {name}: {response.status_code}")
            if not page and response.status_code not in (401, 403, 405):
                wrong.append(f"{method} {name}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


# --- push -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_seizure_event_reaches_only_its_operation_and_never_a_foreign_stream(world):
    layer = get_channel_layer()
    home, foreign = world.home, world.foreign

    def listen(user: User) -> tuple[int, str]:
        """As the user's open stream: in their own group and in all streams' group."""
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(messaging_services.user_group(user.pk), channel)
        async_to_sync(layer.group_add)(streams.ALL_STREAMS, channel)
        return user.pk, channel

    def received(stream: tuple[int, str]) -> list[dict[str, Any]]:
        """What the stream passes on to its user."""
        user_id, channel = stream
        messages = []
        while True:
            try:
                message = async_to_sync(_receive)(layer, channel)
            except TimeoutError:
                return messages
            event = streams.addressed_event(message, user_id)
            if event is not None:
                messages.append(event)

    messaging_services.events_relay()
    home_channels = {role: listen(_home_user(world, role)) for role in HOME_ROLES}
    foreign_channel = listen(foreign.coordinator)
    seizure = seizure_services.seizure_create(
        user=foreign.officer,
        operation=foreign.operation,
        data=_filing(country="FR", port="FRLEH", narrative=f"{MARKER} pushed", party=f"{MARKER} Pushed Sarl"),
        submit=True,
    )
    home_ids = {_home_user(world, role).pk for role in HOME_ROLES}
    recipients = set(
        EventRecipient.objects.filter(event__type="seizure", event__payload__reference=seizure.reference).values_list(
            "user_id", flat=True
        )
    )
    assert recipients
    assert not recipients & home_ids
    messaging_services.events_relay()
    for role, channel in home_channels.items():
        assert received(channel) == [], role
    assert any(seizure.reference in str(event["payload"]) for event in received(foreign_channel))
    events = _client(home.officer).get("/api/v1/events/?after=0").content.decode()
    assert MARKER not in events


async def _receive(layer: Any, channel: str) -> dict[str, Any]:
    import asyncio

    return await asyncio.wait_for(layer.receive(channel), timeout=0.05)


def test_policy_helpers_read_the_table():
    assert policy.roles_for("document.upload") == (Role.SECRETARIAT, Role.COORDINATOR)
    assert Role.OBSERVER not in policy.roles_for("post.create")
    assert policy.RULES["seizure.edit"].allows(Role.OFFICER, {policy.Relation.OWN_ADMINISTRATION})
    assert not policy.RULES["seizure.edit"].allows(Role.OFFICER, {policy.Relation.PARTICIPANT})
    assert policy.RULES["seizure.view"].allows(Role.SECRETARIAT, ())
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", action) for action in policy.RULES)


@pytest.mark.django_db
def test_party_data_follows_the_policy_on_pages_and_api(world):
    home, party = world.home, "HOMEOP Trading Ltd"
    R = policy.Relation
    cases = [
        (home.officer, {R.OWN_ADMINISTRATION, R.PARTICIPANT}),
        (home.observer, {R.OWN_ADMINISTRATION, R.PARTICIPANT}),
        (home.coordinator, {R.COORDINATOR}),
        (world.partner.officer, {R.PARTICIPANT}),
        (world.partner.national_contact, {R.PARTICIPANT}),
        (world.secretariat, set()),
    ]
    wrong = []
    for user, relations in cases:
        client = _client(user)
        shown = policy.allows("party.view", user=user, relations=relations)
        for url in (reverse("seizure-detail", args=[home.seizure.pk]), f"/api/v1/seizures/{home.seizure.pk}/"):
            response = client.get(url)
            if response.status_code != 200 or (party in _body(response)) != shown:
                wrong.append(f"{user.username} {url}: {response.status_code}, parties shown: {not shown}")
        history = client.get(reverse("seizure-history", args=[home.seizure.pk]))
        if history.status_code != 200 or party in _body(history):
            wrong.append(f"{user.username} history: {history.status_code}")
    assert not wrong, "\n".join(wrong)
