"""Accounts and API tokens for a load run, made through the product's services in the cluster's database.

Each simulated person gets an account of their own, as in a real operation: officers of three participating
administrations, V-OCU coordinators added to the demo operation, and analysts of those administrations. Their
tokens are issued here, as a platform administrator issues tokens to integrations, rather than by fifty token
requests in the same few seconds from one loopback address, which the per-address sign-in limit exists to
refuse. Analysts sign in through the login page (one sign-in each, well inside its per-address limit); the
others have no usable password, as API-only accounts, which also spares an Argon2 hash per account.

    python -m load.provision OUT.json --officers N --coordinators N --analysts N   (in the cluster's environment)
"""

import argparse
import json
import secrets
import sys
from pathlib import Path
from typing import Any

OPERATION = "DEMETER-2026"
OFFICER_ADMINISTRATIONS = ["ng-customs", "fr-customs", "nl-customs"]


def provision(*, officers: int, coordinators: int, analysts: int) -> dict[str, Any]:
    from datetime import timedelta

    from django.db import transaction

    from accounts.models import Administration, User
    from accounts.services import token_issue, user_create
    from operations.models import Operation
    from operations.services import operation_update

    operation = Operation.objects.get(code=OPERATION)
    administrations = {item.code: item for item in Administration.objects.filter(code__in=OFFICER_ADMINISTRATIONS)}
    rilo = operation.coordinating_administration
    run = secrets.token_hex(2)
    people: dict[str, list[dict[str, str]]] = {"officer": [], "coordinator": [], "analyst": []}

    def person(role: str, number: int, administration: Administration) -> tuple[User, dict[str, str]]:
        username = f"load-{run}-{role}-{number:02d}"
        password = secrets.token_urlsafe(18) if role == "analyst" else ""
        user = user_create(
            username=username, email=f"{username}@load.opsplatform.test", password=password or None,
            administration=administration, role=role, first_name="Load", last_name=f"{role.title()} {number:02d}",
        )  # fmt: skip
        _token, raw = token_issue(user=user, name="load", lifetime=timedelta(hours=6))
        entry = {"username": username, "password": password, "token": raw, "administration": administration.code}
        people[role].append(entry)
        return user, entry

    with transaction.atomic():
        for number in range(officers):
            person("officer", number, administrations[OFFICER_ADMINISTRATIONS[number % len(OFFICER_ADMINISTRATIONS)]])
        added = [person("coordinator", number, rilo)[0] for number in range(coordinators)]
        for number in range(analysts):  # of participating administrations: the coordinating RILO's reads nothing
            person("analyst", number, administrations[OFFICER_ADMINISTRATIONS[number % len(OFFICER_ADMINISTRATIONS)]])
        if added:
            lead = operation.coordinators.order_by("pk").first()
            assert lead is not None, f"{OPERATION} has no coordinator"
            operation_update(user=lead, operation=operation, coordinators=[*operation.coordinators.all(), *added])
    return {"operation": operation.pk, "people": people}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path)
    parser.add_argument("--officers", type=int, default=30)
    parser.add_argument("--coordinators", type=int, default=6)
    parser.add_argument("--analysts", type=int, default=10)
    arguments = parser.parse_args()

    import django

    django.setup()
    accounts = provision(officers=arguments.officers, coordinators=arguments.coordinators, analysts=arguments.analysts)
    arguments.out.write_text(json.dumps(accounts, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
