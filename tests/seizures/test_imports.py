"""Bulk imports: a file goes in whole or not at all, and every wrong cell is named by row and column.

``joint`` is the active Basel operation run by RILO West Africa; Nigeria takes part. Tests that
need more countries have Ghana and Senegal accept through the operations services.
"""

import csv
import io
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone
from openpyxl import Workbook

from messaging.models import Notification, Post
from operations import services as operation_services
from operations.selectors import operation_audience
from reference.models import HsCode
from seizures import services
from seizures.choices import SeizureStatus
from seizures.imports import PLANT_TERM_HS_CODES, TERM_HS_CODES, parse, split_containers
from seizures.models import CommodityLine, RouteLeg, Seizure

KG_PER_UNIT = {"KIL": Decimal(1), "GRM": Decimal("0.001"), "TON": Decimal(1000), "kg": Decimal(1)}

CITES_HEADER = (
    "Year,App.,Taxon,Class,Order,Family,Genus,Importer,Exporter,Origin,"
    "Importer reported quantity,Exporter reported quantity,Term,Unit,Purpose,Source"
)
CITES_ROWS = [
    "{year},I,Loxodonta africana,Mammalia,Proboscidea,Elephantidae,Loxodonta,NG,CM,,125.5,,TUS,KIL,T,I",
    "{year},I,Loxodonta africana,Mammalia,Proboscidea,Elephantidae,Loxodonta,NG,CD,XX,,40,IVC,,T,I",
    "{year},I,Loxodonta africana,Mammalia,Proboscidea,Elephantidae,Loxodonta,NG,CM,CD,3.25,3,IVC,KIL,T,I",
    "{year},I,Smutsia gigantea,Mammalia,Pholidota,Manidae,Smutsia,NG,CM,,2.5,,SCA,TON,T,I",
    "{year},I,Phataginus tricuspis,Mammalia,Pholidota,Manidae,Phataginus,NG,CF,,850,,scales,kg,T,I",
    "{year},I,Psittacus erithacus,Aves,Psittaciformes,Psittacidae,Psittacus,NG,CM,,62,,live,,T,I",
    "{year},II,Python regius,Reptilia,Serpentes,Pythonidae,Python,NG,TG,,35,,SKI,,T,I",
    "{year},II,Pterocarpus erinaceus,,Fabales,Leguminosae,Pterocarpus,GH,BF,,18.75,,TIM,CUM,T,I",
    "{year},II,Pterocarpus erinaceus,,Fabales,Leguminosae,Pterocarpus,GH,ML,BF,,7.5,TIM,CUM,T,I",
    "{year},I,Loxodonta africana,Mammalia,Proboscidea,Elephantidae,Loxodonta,GH,CI,,12,,TUS,,T,I",
    "{year},I,Loxodonta africana,Mammalia,Proboscidea,Elephantidae,Loxodonta,GH,TG,,1500,,IVC,GRM,P,I",
    "{year},II,Crocodylus niloticus,Reptilia,Crocodylia,Crocodylidae,Crocodylus,GH,BF,,14,,skins,,T,I",
    "{year},II,Kinixys homeana,Reptilia,Testudines,Testudinidae,Kinixys,GH,TG,,9,,LIV,,T,I",
    "{year},II,Cephalophus silvicultor,Mammalia,Artiodactyla,Bovidae,Cephalophus,GH,CI,,44.2,,MEA,KIL,P,I",
    "{year},I,Panthera pardus,Mammalia,Carnivora,Felidae,Panthera,SN,ML,,3,,SKI,,P,I",
    "{year},II,Poicephalus senegalus,Aves,Psittaciformes,Psittacidae,Poicephalus,SN,GN,,120,,LIV,,T,I",
    "{year},I,Trichechus senegalensis,Mammalia,Sirenia,Trichechidae,Trichechus,SN,GM,,27.8,,MEA,KIL,P,I",
    "{year},II,Hippopotamus amphibius,Mammalia,Artiodactyla,Hippopotamidae,Hippopotamus,SN,GN,,6.4,,DER,KIL,M,I",
    "{year},I,Loxodonta africana,Mammalia,Proboscidea,Elephantidae,Loxodonta,SN,GM,,250,,DER,GRM,M,I",
    "{year},II,Pterocarpus erinaceus,,Fabales,Leguminosae,Pterocarpus,SN,GW,,31.5,,timber,m3,T,I",
    "{year},II,Dalbergia melanoxylon,,Fabales,Leguminosae,Dalbergia,SN,GW,,0.6,,UNS,KIL,T,I",
]

PLATFORM_HEADER = [
    "seizure", "country", "occurred_at", "place_port", "place_function", "direction", "transport_mode",
    "vessel_name", "vessel_imo", "containers", "transport_document", "detection_methods",
    "concealment_methods", "reasons", "actions_taken", "narrative", "route", "mea", "hs_code", "description",
    "quantity", "unit", "waste_code",
]  # fmt: skip


def platform_rows(occurred_at):
    """Two seizures: Lagos with two waste lines (rows 2 and 3), Tema with one (row 4)."""
    when = occurred_at.strftime("%Y-%m-%dT%H:%M")
    return [
        PLATFORM_HEADER,
        [
            "LAG-1", "NG", when, "NGAPP", "port", "import", "1", "GRANDE NIGERIA", "9321483", "CSQU 305438 3",
            "MSCU-123456", "risk_profiling;physical_examination", "misdeclaration", "a", "seized",
            "Used fridges declared as second-hand goods.", "IT@ITGOA:origin>ES:transit>NG:discovery", "BASEL",
            "8549.11", "Waste lead-acid batteries", "12.5", "TNE", "A1160",
        ],
        ["LAG-1", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "BASEL", "841810",
         "End-of-life refrigerators", "40", "PCS", ""],
        [
            "TEM-7", "GH", when, "GHTEM", "port", "import", "1", "", "", "", "", "nii_scan", "", "", "detained", "",
            "BE:export>GH:discovery", "BASEL", "8549.11", "Spent car batteries", "3", "TNE", "A1160",
        ],
    ]  # fmt: skip


def csv_bytes(rows, delimiter=",", bom=False):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cites_text(year, rows=None):
    return "\n".join([CITES_HEADER, *(row.format(year=year) for row in (CITES_ROWS if rows is None else rows))]) + "\n"


def file_errors(excinfo):
    return excinfo.value.message_dict["file"]


@pytest.fixture
def three_countries(world, joint):
    """Nigeria took part already; Ghana accepts its invitation and Senegal, invited again, accepts too."""
    operation_services.participation_invite(user=world.coordinator, operation=joint, administrations=[world.senegal])
    for ncp, administration in ((world.ncp_gh, world.ghana), (world.ncp_sn, world.senegal)):
        participation = joint.participations.get(administration=administration)
        operation_services.participation_respond(user=ncp, participation=participation, accept=True)
    return joint


def test_every_hs_code_a_cites_term_maps_to_is_in_hs_2022(db):
    codes = set(TERM_HS_CODES.values()) | set(PLANT_TERM_HS_CODES.values())
    assert set(HsCode.objects.filter(code__in=codes).values_list("code", flat=True)) == codes
    assert all(len(code) in (4, 6) for code in codes)


def test_a_cites_trade_database_file_adds_up_per_importing_country(world, three_countries):
    text = cites_text(three_countries.starts_at.year)
    expected_quantity: dict[str, Decimal] = defaultdict(Decimal)
    expected_kg: dict[str, Decimal] = defaultdict(Decimal)
    for row in csv.DictReader(io.StringIO(text)):
        quantity = Decimal(row["Importer reported quantity"] or row["Exporter reported quantity"])
        expected_quantity[row["Importer"]] += quantity
        if row["Unit"] in KG_PER_UNIT:
            expected_kg[row["Importer"]] += quantity * KG_PER_UNIT[row["Unit"]]

    result = services.seizures_import(
        user=world.coordinator, operation=three_countries, name="gabon-2026.csv", content=text.encode()
    )

    assert len(result.seizures) == result.lines == len(CITES_ROWS)
    totals = {
        row["seizure__country"]: row
        for row in CommodityLine.objects.filter(seizure__operation=three_countries)
        .values("seizure__country")
        .annotate(quantity=Sum("quantity"), kg=Sum("kg"))
    }
    assert {country: totals[country]["quantity"] for country in totals} == dict(expected_quantity)
    assert {country: totals[country]["kg"] for country in totals} == dict(expected_kg)
    assert set(Seizure.objects.filter(operation=three_countries).values_list("status", flat=True)) == {
        SeizureStatus.SUBMITTED
    }


def test_a_cites_row_becomes_one_seizure_of_the_importer(world, three_countries):
    year = three_countries.starts_at.year
    rows = [CITES_ROWS[2], CITES_ROWS[7]]

    result = services.seizures_import(
        user=world.coordinator, operation=three_countries, name="cites.csv", content=cites_text(year, rows).encode()
    )

    ivory, timber = result.seizures
    assert (ivory.country_id, ivory.administration, ivory.occurred_at) == (
        "NG",
        world.nigeria,
        three_countries.starts_at,
    )
    line = CommodityLine.objects.get(seizure=ivory)
    assert (line.mea_id, line.hs_code_id, line.species, line.cites_appendix, line.cites_term_id) == (
        "CITES",
        "960110",
        "Loxodonta africana",
        "I",
        "IVC",
    )
    assert (line.quantity, line.unit_id, line.kg) == (Decimal("3.25"), "KIL", Decimal("3.25"))
    assert line.description == "Loxodonta africana (ivory carvings)"
    legs = RouteLeg.objects.filter(seizure=ivory).order_by("position")
    assert [(leg.country_id, leg.role) for leg in legs] == [("CD", "origin"), ("CM", "export"), ("NG", "discovery")]
    timber_line = CommodityLine.objects.get(seizure=timber)
    assert (timber_line.hs_code_id, timber_line.m3, timber.country_id) == ("4403", Decimal("18.75"), "GH")


def test_specimens_without_a_unit_count_as_pieces(world, three_countries):
    text = cites_text(three_countries.starts_at.year, [CITES_ROWS[5]])

    services.seizures_import(user=world.coordinator, operation=three_countries, name="cites.csv", content=text.encode())

    line = CommodityLine.objects.get()
    assert (line.unit_id, line.pieces, line.kg, line.hs_code_id) == (None, Decimal(62), None, "0106")


@pytest.mark.parametrize(
    ("layout", "change", "where"),
    [
        ("platform", lambda rows: rows[2].__setitem__(18, "9999.99"), "Row 3, hs_code: "),
        ("platform", lambda rows: rows[1].__setitem__(9, "CSQU3054384"), "Row 2, containers: "),
        ("platform", lambda rows: rows[3].__setitem__(20, "3 t"), "Row 4, quantity: "),
        ("cites", lambda rows: rows.__setitem__(3, rows[3].replace(",NG,", ",FR,")), "Row 5, Importer: "),
        ("cites", lambda rows: rows.__setitem__(3, rows[3].replace("{year}", "{past}")), "Row 5, Year: "),
        ("cites", lambda rows: rows.__setitem__(3, rows[3].removesuffix(",I") + ",W"), "Row 5, Source: "),
    ],
    ids=["unknown-hs", "check-digit", "bad-number", "not-participating", "year-outside-window", "source-not-seized"],
)
def test_one_bad_row_imports_nothing_and_names_its_row_and_column(world, three_countries, layout, change, where):
    before = Seizure.objects.count()
    if layout == "platform":
        rows = platform_rows(timezone.now() - timedelta(hours=2))
        change(rows)
        content = csv_bytes(rows)
    else:
        templates = list(CITES_ROWS)
        change(templates)
        year = three_countries.starts_at.year
        text = "\n".join([CITES_HEADER, *(row.format(year=year, past=year - 1) for row in templates)])
        content = text.encode()

    with pytest.raises(ValidationError) as excinfo:
        services.seizures_import(user=world.coordinator, operation=three_countries, name="file.csv", content=content)

    errors = file_errors(excinfo)
    assert len(errors) == 1, errors
    assert errors[0].startswith(where), errors
    assert Seizure.objects.count() == before
    assert not Notification.objects.filter(key__startswith="seizure-import:").exists()


def test_non_participating_country_is_named(world, joint):
    text = cites_text(joint.starts_at.year, [CITES_ROWS[0], CITES_ROWS[9]])

    with pytest.raises(ValidationError) as excinfo:
        services.seizures_import(user=world.coordinator, operation=joint, name="cites.csv", content=text.encode())

    assert file_errors(excinfo) == [f"Row 3, Importer: No administration of GH takes part in operation {joint.code}."]
    assert not Seizure.objects.exists()


def test_the_platform_layout_files_two_seizures_and_announces_them_once(world, three_countries):
    posts = Post.objects.count()
    content = csv_bytes(platform_rows(timezone.now() - timedelta(hours=2)))

    result = services.seizures_import(
        user=world.coordinator, operation=three_countries, name="seizures.csv", content=content
    )

    assert (len(result.seizures), result.lines) == (2, 3)
    lagos, tema = result.seizures
    assert [seizure.status for seizure in result.seizures] == [SeizureStatus.SUBMITTED] * 2
    assert (lagos.country_id, lagos.administration, lagos.filed_by) == ("NG", world.nigeria, world.coordinator)
    assert lagos.containers == ["CSQU3054383"]
    assert lagos.detection_methods == ["risk_profiling", "physical_examination"]
    assert [line.description for line in CommodityLine.objects.filter(seizure=lagos).order_by("position")] == [
        "Waste lead-acid batteries",
        "End-of-life refrigerators",
    ]
    legs = RouteLeg.objects.filter(seizure=lagos).select_related("place_port").order_by("position")
    assert [(leg.country_id, leg.role, leg.place_port.locode if leg.place_port else "") for leg in legs] == [
        ("IT", "origin", "ITGOA"),
        ("ES", "transit", ""),
        ("NG", "discovery", ""),
    ]
    assert tema.country_id == "GH"
    assert Post.objects.count() == posts
    notifications = Notification.objects.filter(key__startswith="seizure-import:")
    assert sorted(notifications.values_list("user_id", flat=True)) == sorted(
        operation_audience(operation=three_countries)
    )
    notification = notifications.first()
    assert notification.key == f"seizure-import:{three_countries.pk}:{lagos.pk}"
    assert notification.template == "seizures/email/import"
    assert notification.context["countries"] == [["GH", 1], ["NG", 1]]


def test_the_summary_email_reads_well(world, three_countries):
    from messaging.services import _render

    services.seizures_import(
        user=world.coordinator,
        operation=three_countries,
        name="seizures.csv",
        content=csv_bytes(platform_rows(timezone.now() - timedelta(hours=2))),
    )

    subject, body = _render(Notification.objects.filter(key__startswith="seizure-import:").first())
    assert subject == f"{three_countries.code}: 2 seizures imported"
    assert f"imported 2 seizures (3 commodity lines) into operation {three_countries.code}." in body
    assert "- GH: 1\n- NG: 1\n" in body
    assert f"/operations/{three_countries.pk}/" in body


def test_an_xlsx_workbook_imports_like_the_csv(world, three_countries):
    occurred_at = timezone.now() - timedelta(hours=2)
    rows = platform_rows(occurred_at)
    for row in rows[1:]:
        row[20] = float(row[20])  # numbers as numbers, as a spreadsheet holds them
    rows[1][6] = 1

    result = services.seizures_import(
        user=world.coordinator, operation=three_countries, name="seizures.xlsx", content=xlsx_bytes(rows)
    )

    assert (len(result.seizures), result.lines) == (2, 3)
    quantities = list(
        CommodityLine.objects.filter(seizure__operation=three_countries)
        .order_by("seizure__reference", "position")
        .values_list("seizure__country", "quantity", "unit", "kg")
    )
    assert quantities == [
        ("GH", Decimal(3), "TNE", Decimal(3000)),
        ("NG", Decimal("12.5"), "TNE", Decimal(12500)),
        ("NG", Decimal(40), "PCS", None),
    ]
    assert result.seizures[0].transport_mode == "1"
    assert Notification.objects.filter(key__startswith="seizure-import:").count() == len(
        operation_audience(operation=three_countries)
    )


def test_semicolons_a_byte_order_mark_and_decimal_commas_are_read(world, three_countries):
    rows = platform_rows(timezone.now() - timedelta(hours=2))
    rows[1][20] = "12,5"

    result = services.seizures_import(
        user=world.coordinator,
        operation=three_countries,
        name="export.csv",
        content=csv_bytes(rows, delimiter=";", bom=True),
    )

    assert CommodityLine.objects.get(seizure=result.seizures[0], position=1).quantity == Decimal("12.5")


def test_the_management_command_imports_a_file(world, three_countries, tmp_path, capsys):
    path = tmp_path / "seizures.csv"
    path.write_bytes(csv_bytes(platform_rows(timezone.now() - timedelta(hours=2))))

    call_command("import_seizures", str(path), "--operation", three_countries.code)

    assert capsys.readouterr().out.strip() == f"Imported 2 seizures (3 lines) into {three_countries.code}."
    assert set(Seizure.objects.values_list("filed_by", flat=True)) == {world.coordinator.pk}


def test_the_management_command_reports_row_errors_and_imports_nothing(world, three_countries, tmp_path, capsys):
    rows = platform_rows(timezone.now() - timedelta(hours=2))
    rows[2][18] = "9999.99"
    path = tmp_path / "seizures.csv"
    path.write_bytes(csv_bytes(rows))

    with pytest.raises(CommandError):
        call_command(
            "import_seizures", str(path), "--operation", three_countries.code, "--user", world.coordinator.username
        )

    assert "Row 3, hs_code: 999999 is not a heading or subheading of HS 2022." in capsys.readouterr().err
    assert not Seizure.objects.exists()


@pytest.mark.parametrize("who", ["officer_ng", "ncp_ng", "other_coordinator", "secretariat"])
def test_only_the_operations_coordinators_import(world, three_countries, who):
    content = csv_bytes(platform_rows(timezone.now() - timedelta(hours=2)))

    with pytest.raises(PermissionDenied):
        services.seizures_import(user=getattr(world, who), operation=three_countries, name="s.csv", content=content)

    assert not Seizure.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\r\n\r\n", "The file is empty."),
        (b"seizure,country,occurred_at,mea,hs_code,description,quantity\r\n", "The file has a header but no rows."),
        (b"\xff\xfeb\x00a\x00d\x00", "The file is not UTF-8 text"),
    ],
    ids=["empty", "blank-lines", "header-only", "not-utf8"],
)
def test_files_without_seizures_are_refused_clearly(world, joint, content, message):
    with pytest.raises(ValidationError) as excinfo:
        services.seizures_import(user=world.coordinator, operation=joint, name="file.csv", content=content)

    assert file_errors(excinfo)[0].startswith(message)


def test_an_unknown_header_lists_the_expected_columns(world, joint):
    with pytest.raises(ValidationError) as excinfo:
        services.seizures_import(user=world.coordinator, operation=joint, name="f.csv", content=b"a,b\r\n1,2\r\n")

    [message] = file_errors(excinfo)
    assert message.startswith("The header matches no known layout.")
    assert "seizure, country, occurred_at" in message
    assert "Year, App., Taxon" in message


def test_a_platform_header_without_required_columns_says_which(world, joint):
    with pytest.raises(ValidationError) as excinfo:
        services.seizures_import(
            user=world.coordinator, operation=joint, name="f.csv", content=b"seizure,hs_code,mea\r\nA,0106,CITES\r\n"
        )

    assert file_errors(excinfo) == [
        "The file lacks the columns country, occurred_at, description, quantity of the platform layout."
    ]


def test_several_problems_are_all_reported_in_row_order(world, three_countries):
    rows = platform_rows(timezone.now() - timedelta(hours=2))
    rows[3][2] = "04/06/2026"
    rows[2][18] = "9999.99"
    rows[1][11] = "risk_profiling;guesswork"

    with pytest.raises(ValidationError) as excinfo:
        services.seizures_import(
            user=world.coordinator, operation=three_countries, name="s.csv", content=csv_bytes(rows)
        )

    assert [message.split(":")[0] for message in file_errors(excinfo)] == [
        "Row 2, detection_methods",
        "Row 3, hs_code",
        "Row 4, occurred_at",
    ]


def test_container_numbers_are_split_on_separators_but_not_inside_a_number():
    assert split_containers("CSQU 305438 3, MSKU1234565;TGHU 1234567 TCLU7654321") == [
        "CSQU3054383",
        "MSKU1234565",
        "TGHU1234567",
        "TCLU7654321",
    ]


def test_cites_terms_and_units_are_read_by_name(joint):
    header = "Year,App.,Taxon,Class,Term,Quantity,Unit,Importer,Exporter,Origin,Purpose,Source"
    text = f"{header}\n{joint.starts_at.year},I,Manis tricuspis,Mammalia,scales,4,kg,NG,CM,,T,I\n"

    parsed = parse(name="cites.csv", content=text.encode(), operation=joint)

    [seizure] = parsed.seizures
    assert parsed.errors == seizure.errors == []
    line = seizure.filing["lines"][0]
    assert (line["cites_term"], line["unit"], line["hs_code"], line["quantity"]) == ("SCA", "KIL", "050790", Decimal(4))
