import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import services as account_services
from accounts.models import Administration, User
from reference.models import Country, Rilo

DEMO_ACCOUNTS = Path(settings.BASE_DIR) / "fixtures" / "demo" / "accounts.json"


class Command(BaseCommand):
    help = "Seed the demo administrations and one account per role, then print the logins. Safe to run twice."

    def handle(self, *args: Any, **options: Any) -> None:
        if not Country.objects.exists():
            raise CommandError("Load the reference data first: manage.py load_reference_data")
        demo = json.loads(DEMO_ACCOUNTS.read_text(encoding="utf-8"))
        for item in demo["administrations"]:
            if Administration.objects.filter(code=item["code"]).exists():
                continue
            account_services.administration_create(
                code=item["code"],
                name=item["name"],
                name_fr=item.get("name_fr", ""),
                kind=item["kind"],
                country=Country.objects.get(code=item["country"]) if item.get("country") else None,
                rilo=Rilo.objects.get(code=item["rilo"]) if item.get("rilo") else None,
            )
        for item in demo["users"]:
            if User.objects.filter(username=item["username"]).exists():
                continue
            account_services.user_create(
                username=item["username"],
                email=item["email"],
                password=item["password"],
                administration=Administration.objects.get(code=item["administration"]),
                role=item["role"],
                language=item["language"],
                first_name=item["first_name"],
                last_name=item["last_name"],
                position=item["position"],
                platform_admin=item.get("platform_admin", False),
            )
        self.stdout.write("\nDemo logins (http://127.0.0.1:8000/):\n")
        self.stdout.write(f"  {'role':<18} {'username':<14} password")
        for item in demo["users"]:
            self.stdout.write(f"  {item['role']:<18} {item['username']:<14} {item['password']}")
        self.stdout.write("")
