"""Who may do what: one table of roles and relations, and the rule that governs every URL.

A permission is an *action* on an object type (``seizure.edit``). Its rule grants it to roles, each
under one or more *relations* the user must have with the object: belonging to the administration
that owns it, taking part in its operation, coordinating that operation, having received it. A grant
under ``ANY`` needs no relation: the role alone suffices (the secretariat reads every published
seizure). Nothing is granted that is not written here.

The layers that know what an object is compute the user's relations to it (``seizures.selectors``
knows who reported a seizure) and ask this table; selectors turn the same rules into querysets.
``ROUTES`` names the rule of every page and API route, so a route without one is caught by the tests
and by ``manage.py check``. An object the user may not see answers exactly like a missing one (404).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .choices import Role


class Relation(StrEnum):
    ANY = "any"  # the role alone suffices
    OWN_ADMINISTRATION = "own_administration"  # the object belongs to the user's administration
    PARTICIPANT = "participant"  # the user's administration accepted the object's operation
    COORDINATOR = "coordinator"  # the user coordinates the object's operation
    RECIPIENT = "recipient"  # the object (post, document, event, file) was addressed to the user
    AUTHOR = "author"  # the user wrote or uploaded the object
    MEMBER = "member"  # the user belongs to the unit (a team working in shifts)


@dataclass(frozen=True)
class Rule:
    """An action and, per role, the relations under which it is granted."""

    action: str
    grants: Mapping[str, frozenset[Relation]]
    description: str = ""

    def allows(self, role: str, relations: Iterable[Relation] = ()) -> bool:
        granted = self.grants.get(role, frozenset())
        return Relation.ANY in granted or bool(granted & set(relations))

    @property
    def roles(self) -> tuple[str, ...]:
        """Roles granted the action under at least one relation, in the order of ``Role``."""
        return tuple(role for role in Role.values if self.grants.get(role))


EVERY_ROLE: tuple[str, ...] = tuple(Role.values)
NATIONAL_ROLES = (Role.NATIONAL_CONTACT, Role.OFFICER, Role.ANALYST, Role.OBSERVER)
FILING_ROLES = (Role.OFFICER, Role.NATIONAL_CONTACT)
A, OWN, PART, COORD, RECV, AUTHOR = (
    Relation.ANY,
    Relation.OWN_ADMINISTRATION,
    Relation.PARTICIPANT,
    Relation.COORDINATOR,
    Relation.RECIPIENT,
    Relation.AUTHOR,
)


def _grant(roles: Iterable[str], *relations: Relation) -> dict[str, frozenset[Relation]]:
    return {role: frozenset(relations) for role in roles}


def _merge(*grants: Mapping[str, frozenset[Relation]]) -> dict[str, frozenset[Relation]]:
    merged: dict[str, frozenset[Relation]] = {}
    for grant in grants:
        for role, relations in grant.items():
            merged[role] = merged.get(role, frozenset()) | relations
    return merged


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.action: rule for rule in rules}


RULES: dict[str, Rule] = _rules(
    # --- Operations ------------------------------------------------------------------------
    Rule(
        "operation.create",
        _grant((Role.SECRETARIAT, Role.COORDINATOR), A),
        "The secretariat and coordinators create operations (coordinators for their own office).",
    ),
    Rule(
        "operation.view",
        _merge(
            _grant(EVERY_ROLE, PART, COORD),
            _grant((Role.SECRETARIAT,), A),
            _grant((Role.COORDINATOR,), OWN),
            # Contact points answer invitations, so they see the operations their administration was invited to.
            _grant((Role.NATIONAL_CONTACT,), OWN),
        ),
        "Participants and coordinators; the secretariat sees all; the coordinating office and invited contact points.",
    ),
    Rule(
        "operation.manage",
        _grant(EVERY_ROLE, COORD),
        "Settings, participants, invitations, the clock (schedule, activate, extend, close, archive).",
    ),
    Rule(
        "operation.answer",
        _grant((Role.NATIONAL_CONTACT,), OWN),
        "The invited administration's contact point accepts or declines (observer organisations answer themselves).",
    ),
    Rule(
        "operation.post",
        _grant((Role.SECRETARIAT, Role.COORDINATOR, Role.NATIONAL_CONTACT, Role.OFFICER, Role.ANALYST), PART, COORD),
        "Post in the operation's thread.",
    ),
    # --- Seizures --------------------------------------------------------------------------
    Rule("seizure.file", _grant(FILING_ROLES, PART), "Officers and contact points of a participant file seizures."),
    Rule(
        "seizure.view",
        _merge(_grant(EVERY_ROLE, OWN, COORD, PART), _grant((Role.SECRETARIAT,), A)),
        "The reporting administration (drafts included); once submitted: coordinators, the secretariat, "
        "and participants when its TLP handling code shares it with the operation (seizures.selectors "
        "applies the code). No code opens it to anyone outside the operation.",
    ),
    Rule("seizure.edit", _grant(FILING_ROLES, OWN), "Change, submit or withdraw: the reporting administration."),
    Rule("seizure.review", _grant(EVERY_ROLE, COORD), "Validate or ask for information: the V-OCU."),
    Rule("seizure.import", _grant(EVERY_ROLE, COORD), "Import a spreadsheet of seizures into an operation."),
    Rule(
        "party.view",
        _grant(EVERY_ROLE, OWN, COORD),
        "Persons and companies: the reporting administration and the coordinators; every read is logged.",
    ),
    # --- Reports ---------------------------------------------------------------------------
    Rule(
        "report.view",
        _merge(_grant(EVERY_ROLE, PART, COORD), _grant((Role.SECRETARIAT,), A)),
        "An operation's reports, charts and exports, in the reader's audience.",
    ),
    Rule(
        "report.request",
        _merge(
            _grant((Role.SECRETARIAT, Role.COORDINATOR, Role.ANALYST, Role.NATIONAL_CONTACT), A),
            _grant(EVERY_ROLE, COORD),
        ),
        "Ask for a new edition of a report.",
    ),
    Rule(
        "report.regional",
        _merge(
            _grant((Role.SECRETARIAT,), A),
            _grant((Role.COORDINATOR, Role.ANALYST, Role.NATIONAL_CONTACT), OWN),
        ),
        "Regional figures, aggregates only: the secretariat; a RILO or a national administration for its own region.",
    ),
    Rule(
        "report.aitr",
        _merge(_grant((Role.SECRETARIAT,), A), _grant((Role.NATIONAL_CONTACT, Role.OFFICER, Role.ANALYST), OWN)),
        "The CITES annual illegal-trade report: the secretariat, or a national administration for itself.",
    ),
    # --- Channel ---------------------------------------------------------------------------
    Rule("post.view", _grant(EVERY_ROLE, RECV), "A post, its replies and attachments: its recipients only."),
    Rule("post.recipients", _grant(EVERY_ROLE, AUTHOR, COORD), "Who received a post: its author and coordinators."),
    Rule("post.create", _grant(tuple(r for r in EVERY_ROLE if r != Role.OBSERVER), A), "Observers only read."),
    Rule("post.reply", _grant(tuple(r for r in EVERY_ROLE if r != Role.OBSERVER), RECV), "Reply to a post received."),
    Rule("document.view", _grant(EVERY_ROLE, RECV), "A library document: those it was addressed to."),
    Rule("document.upload", _grant((Role.SECRETARIAT, Role.COORDINATOR), A), "Add a document to the library."),
    Rule("file.view", _grant(EVERY_ROLE, RECV, AUTHOR), "A stored file: its uploader and whoever received it."),
    Rule("event.view", _grant(EVERY_ROLE, RECV), "Events on the stream: the recipients the emitting layer chose."),
    # --- Accounts ----------------------------------------------------------------------------
    Rule("account.self", _grant(EVERY_ROLE, A), "One's own account, tokens and e-mail preferences."),
    Rule(
        "audit.view",
        _merge(_grant((Role.SECRETARIAT,), A), _grant((Role.NATIONAL_CONTACT,), OWN)),
        "The audit trail: the secretariat, and a contact point for their own administration.",
    ),
    Rule(
        "access_request.decide",
        _merge(_grant((Role.SECRETARIAT,), A), _grant((Role.NATIONAL_CONTACT,), OWN)),
        "Requests to join: a contact point endorses their administration's, the secretariat approves.",
    ),
    Rule(
        "account.manage",
        _merge(_grant((Role.SECRETARIAT,), A), _grant((Role.NATIONAL_CONTACT,), OWN)),
        "Unlock, deactivate and reactivate accounts: the secretariat, a contact point their administration's.",
    ),
    Rule(
        "unit.view",
        _merge(
            _grant((Role.SECRETARIAT,), A),
            _grant((Role.NATIONAL_CONTACT,), OWN),
            _grant(EVERY_ROLE, Relation.MEMBER),
        ),
        "A unit and its members: its members, their contact point, the secretariat.",
    ),
    Rule(
        "unit.inbox",
        _grant(EVERY_ROLE, Relation.MEMBER),
        "A unit's shared inbox: its current members only; managing the unit does not open what it received.",
    ),
    Rule(
        "unit.manage",
        _merge(_grant((Role.SECRETARIAT,), A), _grant((Role.NATIONAL_CONTACT,), OWN)),
        "Create units and change their members: the secretariat, a contact point their administration's.",
    ),
    Rule(
        "seizure.retention",
        _grant((Role.SECRETARIAT,), A),
        "What the next retention run erases (references and counts): the secretariat.",
    ),
    Rule("reference.view", _grant(EVERY_ROLE, A), "Reference data and administrations hold no secrets."),
)


def rule(action: str) -> Rule:
    return RULES[action]


def allows(action: str, *, user: Any, relations: Iterable[Relation] = ()) -> bool:
    """Whether an active, signed-in ``user`` with these relations to the object may do ``action``."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return RULES[action].allows(user.role, relations)


def roles_for(action: str) -> tuple[str, ...]:
    """Roles that may do ``action`` under some relation."""
    return RULES[action].roles


def roles_without_relation(action: str) -> tuple[str, ...]:
    """Roles that may do ``action`` on any object, whatever their relation to it."""
    rule = RULES[action]
    return tuple(role for role in rule.roles if Relation.ANY in rule.grants[role])


# --- Routes ------------------------------------------------------------------------------------


class Access(StrEnum):
    PUBLIC = "public"  # anyone, signed in or not
    AUTHENTICATED = "authenticated"  # anyone signed in; what they see is still scoped by selectors
    ACTION = "action"  # an action of RULES, on the object the URL names (or on none, for lists and forms)
    STAFF = "staff"  # Django's administration site: staff accounts
    PROBE = "probe"  # health and metrics: network- or token-gated, no session


@dataclass(frozen=True)
class Route:
    access: Access
    action: str = ""
    object_type: str = ""  # what the URL's id names; empty for lists and forms
    methods: tuple[str, ...] = field(default=("GET",))

    def __post_init__(self) -> None:
        if self.access == Access.ACTION and self.action not in RULES:
            raise ValueError(f"unknown action {self.action!r}")


def _public(*methods: str) -> Route:
    return Route(Access.PUBLIC, methods=methods or ("GET",))


def _signed_in(*methods: str) -> Route:
    return Route(Access.AUTHENTICATED, methods=methods or ("GET",))


def _on(action: str, object_type: str = "", *methods: str) -> Route:
    return Route(Access.ACTION, action=action, object_type=object_type, methods=methods or ("GET",))


GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"

#: Every named URL of the project, by its resolver name (``namespace:name`` for the API).
ROUTES: dict[str, Route] = {
    # --- wiring
    "home": _signed_in(),
    "api-schema": _signed_in(),
    "api-docs": _signed_in(),
    "healthz": Route(Access.PROBE),
    "readyz": Route(Access.PROBE),
    "metrics": Route(Access.PROBE),
    # --- accounts
    "login": _public(GET, POST),
    "logout": _public(POST),
    "language-switch": _public(POST),
    "login-verify": _public(GET, POST),
    "two-factor": _signed_in(GET, POST),
    "access-request-new": _public(GET, POST),
    "access-request-sent": _public(),
    "account-activate": _public(GET, POST),
    "access-request-list": _on("access_request.decide"),
    "access-request-detail": _on("access_request.decide", "access_request", GET, POST),
    "people": _on("account.manage"),
    "unit-list": _on("unit.view", "", GET, POST),
    "unit-detail": _on("unit.view", "unit", GET, POST),
    "unit-member-remove": _on("unit.manage", "unit", POST),
    "person-action": _on("account.manage", "account", POST),
    "audit-list": _on("audit.view"),
    "audit-detail": _on("audit.view", "audit_event"),
    "audit-access-log": _on("audit.view"),
    "accounts-api:auth-token": _public(POST, DELETE),
    "accounts-api:me": _on("account.self", "", GET, PATCH),
    "accounts-api:apitoken-list": _on("account.self"),
    "accounts-api:apitoken-detail": _on("account.self", "token", GET, DELETE),
    "accounts-api:administration-list": _on("reference.view"),
    "accounts-api:administration-detail": _on("reference.view", "administration"),
    # --- reference
    "hs-search": _on("reference.view"),
    "rilo-list": _on("reference.view"),
    **{
        f"reference-api:{name}-{suffix}": _on("reference.view", "reference" if suffix == "detail" else "")
        for name in ("country", "rilo", "mea", "hscode", "unit", "wastecode", "odssubstance", "citesterm", "port")
        for suffix in ("list", "detail")
    },
    "reference-api:api-root": _on("reference.view"),
    # --- channel
    "channel-inbox": _on("post.view"),
    "channel-post-new": _on("post.create", "", GET, POST),
    "channel-post": _on("post.view", "post", GET, POST),
    "channel-post-forward": _on("post.reply", "post", GET, POST),
    "channel-library": _on("document.view"),
    "channel-library-upload": _on("document.upload", "", GET, POST),
    "channel-document-download": _on("document.view", "document"),
    "channel-file": _on("file.view", "file"),
    "channel-unit-inbox": _on("unit.inbox", "unit"),
    "channel-settings": _on("account.self", "", GET, POST),
    "channel-setting-delete": _on("account.self", "notification_setting", POST),
    "messaging-api:event-list": _on("event.view"),
    "messaging-api:post-list": _on("post.view", "", GET, POST),
    "messaging-api:post-detail": _on("post.view", "post"),
    "messaging-api:post-replies": _on("post.view", "post", GET, POST),
    "messaging-api:post-forward": _on("post.reply", "post", POST),
    "messaging-api:post-read": _on("post.view", "post", POST, DELETE),
    "messaging-api:post-recipients": _on("post.recipients", "post"),
    "messaging-api:document-list": _on("document.view", "", GET, POST),
    "messaging-api:document-detail": _on("document.view", "document"),
    "messaging-api:document-download": _on("document.view", "document"),
    "messaging-api:notification-setting-list": _on("account.self", "", GET, POST),
    "messaging-api:notification-setting-detail": _on("account.self", "notification_setting", GET, PUT, PATCH, DELETE),
    # --- operations
    "operation-list": _on("operation.view"),
    "operation-create": _on("operation.create", "", GET, POST),
    "operation-detail": _on("operation.view", "operation"),
    "operation-edit": _on("operation.manage", "operation", GET, POST),
    "operation-participants": _on("operation.manage", "operation", GET, POST),
    "operation-thread-post": _on("operation.post", "operation", POST),
    "operation-answer": _on("operation.answer", "operation", POST),
    "operation-action": _on("operation.manage", "operation", POST),
    "operations-api:operation-list": _on("operation.view", "", GET, POST),
    "operations-api:operation-detail": _on("operation.view", "operation", GET, PUT, PATCH),
    **{
        f"operations-api:operation-{name}": _on("operation.manage", "operation", POST)
        for name in ("schedule", "activate", "close", "archive", "extend", "invite")
    },
    "operations-api:operation-accept": _on("operation.answer", "operation", POST),
    "operations-api:operation-decline": _on("operation.answer", "operation", POST),
    "operations-api:operation-participants": _on("operation.view", "operation"),
    # --- seizures
    "seizure-list": _on("seizure.view"),
    "seizure-retention": _on("seizure.retention"),
    "seizure-new": _on("seizure.file", "operation", GET, POST),
    "seizure-queue": _on("seizure.review", "operation"),
    "seizure-import": _on("seizure.import", "operation", GET, POST),
    "seizure-detail": _on("seizure.view", "seizure"),
    "seizure-edit": _on("seizure.edit", "seizure", GET, POST),
    "seizure-history": _on("seizure.view", "seizure"),
    "seizure-action": _on("seizure.view", "seizure", POST),
    "seizure-file": _on("seizure.view", "file"),
    "seizures-api:seizure-list": _on("seizure.view", "", GET, POST),
    "seizures-api:seizure-detail": _on("seizure.view", "seizure", GET, PUT, PATCH),
    "seizures-api:seizure-submit": _on("seizure.edit", "seizure", POST),
    "seizures-api:seizure-withdraw": _on("seizure.edit", "seizure", POST),
    "seizures-api:seizure-validate": _on("seizure.review", "seizure", POST),
    "seizures-api:seizure-request-info": _on("seizure.review", "seizure", POST),
    "seizures-api:seizure-history": _on("seizure.view", "seizure"),
    # --- reports
    "report-list": _on("report.view", "operation", GET, POST),
    "report-lines-csv": _on("report.view", "operation"),
    "report-chart": _on("report.view", "operation"),
    "report-detail": _on("report.view", "report"),
    "report-download": _on("report.view", "report"),
    "report-table-csv": _on("report.view", "report"),
    "report-regions": _on("report.regional"),
    "report-region": _on("report.regional", "rilo"),
    "report-aitr": _on("report.aitr", "", GET, POST),
    "reports-api:operation-report": _on("report.view", "operation"),
    "reports-api:report-list": _on("report.view", "", GET, POST),
    "reports-api:report-detail": _on("report.view", "report"),
}

#: Whole namespaces governed by one rule.
NAMESPACES: dict[str, Route] = {"admin": Route(Access.STAFF, methods=(GET, POST))}


def route_for(name: str) -> Route | None:
    """The rule of a named URL (``namespace:name``), or ``None`` for a route nobody declared."""
    if name in ROUTES:
        return ROUTES[name]
    namespace = name.split(":", 1)[0] if ":" in name else ""
    return NAMESPACES.get(namespace)
