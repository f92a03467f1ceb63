import re

import pytest


@pytest.mark.django_db
def test_hs_search_page_finds_codes_by_words_without_javascript(client, officer):
    client.force_login(officer)
    response = client.get("/reference/hs-codes/", {"q": "waste accumulators"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "8549.11" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script"


@pytest.mark.django_db
def test_hs_search_page_pages_through_results(client, officer):
    client.force_login(officer)
    first = client.get("/reference/hs-codes/", {"q": "29"}).content.decode()
    second = client.get("/reference/hs-codes/", {"q": "29", "page": 2}).content.decode()
    assert "Page 1 of" in first
    assert "Page 2 of" in second
    assert "q=29&amp;page=2" in first


@pytest.mark.django_db
def test_hs_search_page_by_mea(client, officer):
    client.force_login(officer)
    html = client.get("/reference/hs-codes/", {"mea": "BASEL"}).content.decode()
    assert "3915" in html


@pytest.mark.django_db
def test_hs_search_page_explains_a_bad_filter(client, officer):
    client.force_login(officer)
    response = client.get("/reference/hs-codes/", {"level": "7"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


@pytest.mark.django_db
def test_rilo_page_lists_every_office(client, officer):
    client.force_login(officer)
    html = client.get("/reference/rilos/").content.decode()
    assert html.count('<section class="card">') == 11
