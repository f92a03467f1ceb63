import io
import json
from base64 import b32decode
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from accounts import services as account_services
from accounts.choices import AdministrationKind, Role
from accounts.models import Administration, User
from messaging import services as messaging_services
from messaging.models import Document, Post
from operations import services as operation_services
from operations.models import Operation
from reference.models import Country, HsCode, Mea, Rilo
from reports import services as report_services
from reports.choices import ReportKind
from reports.models import Report
from seizures.simulation import simulate_operation

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
DEMO_ACCOUNTS = DEMO_DIR / "accounts.json"
DEMO_CHANNEL = DEMO_DIR / "channel.json"
DEMO_OPERATIONS = DEMO_DIR / "operations.json"
#: The active demo operation gets this many simulated seizures, filed by its participants.
DEMO_SEIZURES = ("DEMETER-2026", 120)


def _pdf(lines: list[str]) -> bytes:
    """A small real PDF for the demo library, drawn with reportlab."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    y = 800
    for line in lines:
        page.drawString(60, y, line)
        y -= 20
    page.save()
    return buffer.getvalue()


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
        self._seed_second_factors(demo)
        self._seed_channel()
        self._seed_operations()
        self._seed_seizures()
        self._seed_report()
        self.stdout.write("\nDemo logins:\n")
        self.stdout.write(f"  {'role':<18} {'username':<14} password")
        for item in demo["users"]:
            self.stdout.write(f"  {item['role']:<18} {item['username']:<14} {item['password']}")
        self.stdout.write(
            f"\nSecretariat, coordinator and national contact point also give a code: add the demo key\n"
            f"  {demo['totp_secret']}\n"
            "to an authenticator app (time-based, 6 digits, 30 s), or run: oathtool --totp -b <key>\n"
        )
        self.stdout.write("")

    def _seed_second_factors(self, demo: dict[str, Any]) -> None:
        """Roles that must sign in with a code share one published demo key, so the demo stays usable."""
        key = b32decode(demo["totp_secret"])
        for user in User.objects.filter(
            username__in=[item["username"] for item in demo["users"]], role__in=settings.TWO_FACTOR_REQUIRED_ROLES
        ):
            account_services.totp_device_install(user=user, key=key)

    def _seed_channel(self) -> None:
        demo = json.loads(DEMO_CHANNEL.read_text(encoding="utf-8"))
        usernames = {item["username"] for item in json.loads(DEMO_ACCOUNTS.read_text(encoding="utf-8"))["users"]}
        users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        for item in demo["posts"]:
            author = users[item["author"]]
            if Post.objects.filter(author=author, title=item["title"]).exists():
                continue
            messaging_services.post_create(
                author=author,
                kind=item["kind"],
                topic=item["topic"],
                title=item["title"],
                body=item["body"],
                audience=item["audience"],
                chosen_users=[users[name] for name in item.get("chosen_users", [])],
                meas=list(Mea.objects.filter(code__in=item["meas"])),
                due_at=timezone.now() + timedelta(days=item["due_days"]) if item.get("due_days") else None,
            )
        for item in demo["documents"]:
            if Document.objects.filter(title_en=item["title_en"]).exists():
                continue
            messaging_services.document_upload(
                uploader=users[item["uploader"]],
                title_en=item["title_en"],
                title_fr=item["title_fr"],
                kind=item["kind"],
                topic=item["topic"],
                audience=item["audience"],
                meas=list(Mea.objects.filter(code__in=item["meas"])),
                upload=SimpleUploadedFile(f"{item['title_en']}.pdf", _pdf(item["lines"]), "application/pdf"),
            )

    def _national_administration(self, country: Country) -> Administration:
        """One customs administration per country, with a national contact point who can answer invitations."""
        code = f"{country.code.lower()}-customs"
        administration = Administration.objects.filter(code=code).first() or account_services.administration_create(
            code=code, name=f"{country.name_en} Customs", kind=AdministrationKind.CUSTOMS, country=country
        )
        if not User.objects.filter(administration=administration, role=Role.NATIONAL_CONTACT).exists():
            account_services.user_create(
                username=f"ncp.{country.code.lower()}",
                email=f"ncp.{country.code.lower()}@demo.opsplatform.test",
                password=None,
                administration=administration,
                role=Role.NATIONAL_CONTACT,
                position="National contact point",
            )
        return administration

    def _seed_seizures(self) -> None:
        """Simulated seizures in the active demo operation, once: a second run finds them there."""
        code, count = DEMO_SEIZURES
        operation = Operation.objects.get(code=code)
        existing = operation.seizures.count()
        if existing:
            self.stdout.write(f"\n{code}: {existing} seizures already filed.")
            return
        if not operation.accepts_reports:
            self.stdout.write(f"\n{code} does not accept reports now: no seizures simulated.")
            return
        counts = simulate_operation(operation=operation, seizures=count)
        self.stdout.write(
            f"\n{code}: {counts['filed']} simulated seizures filed by {counts['administrations']} administrations; "
            f"{counts['validated']} validated, {counts['info_requested']} sent back for information."
        )

    def _seed_report(self) -> None:
        """A first preliminary edition of the demo operation's report, ready to download."""
        code, _count = DEMO_SEIZURES
        operation = Operation.objects.get(code=code)
        if Report.objects.filter(operation=operation).exists() or not operation.seizures.exists():
            return
        coordinator = operation.coordinators.order_by("pk").first()
        if coordinator is None:
            return
        report = report_services.report_request(
            user=coordinator, operation=operation, kind=ReportKind.PRELIMINARY, language="en"
        )
        self.stdout.write(f"\n{code}: preliminary report version {report.version} generated.")

    def _seed_operations(self) -> None:
        demo = json.loads(DEMO_OPERATIONS.read_text(encoding="utf-8"))
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        for item in demo["operations"]:
            if Operation.objects.filter(code=item["code"]).exists():
                continue
            coordinators = list(User.objects.filter(username__in=item["coordinators"]))
            operation = operation_services.operation_create(
                user=coordinators[0],
                code=item["code"],
                name_en=item["name_en"],
                name_fr=item["name_fr"],
                description_en=item["description_en"],
                description_fr=item["description_fr"],
                coordinating_administration=Administration.objects.get(code=item["coordinating_administration"]),
                coordinators=coordinators,
                starts_at=now + timedelta(days=item["starts_days"]),
                ends_at=now + timedelta(days=item["ends_days"]),
                grace_days=item["grace_days"],
                scope_meas=list(Mea.objects.filter(code__in=item["scope_meas"])),
                scope_hs_codes=list(HsCode.objects.filter(code__in=item["scope_hs_codes"])),
                default_form=item["default_form"],
                field_rules=item["field_rules"],
            )
            administrations = [
                self._national_administration(country)
                for country in Country.objects.filter(code__in=item["participants"])
            ]
            operation_services.participation_invite(
                user=coordinators[0], operation=operation, administrations=administrations
            )
            for participation in operation.participations.select_related("administration__country"):
                country_code = participation.administration.country_id
                if country_code in item["invited_only"]:
                    continue
                ncp = (
                    User.objects.filter(administration=participation.administration, role=Role.NATIONAL_CONTACT)
                    .order_by("pk")
                    .first()
                )
                if ncp is None:
                    raise CommandError(f"{participation.administration} has no national contact point")
                operation_services.participation_respond(
                    user=ncp, participation=participation, accept=country_code not in item["declined"]
                )
            if item["state"] == "active":
                operation_services.operation_transition(user=coordinators[0], operation=operation, action="activate")
            else:
                operation_services.operation_transition(user=coordinators[0], operation=operation, action="schedule")
                operation_services.operations_advance_clock()
