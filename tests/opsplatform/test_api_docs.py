import re

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_schema_describes_the_reference_endpoints(officer_client):
    response = officer_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for endpoint in ["countries", "rilos", "meas", "hs-codes", "units", "ports"]:
        assert f"/api/v1/reference/{endpoint}/" in paths
    assert "/api/v1/auth/token/" in paths


@pytest.mark.django_db
def test_swagger_ui_renders_from_local_assets_only(client, officer):
    client.force_login(officer)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']https?://""", html), "a page asset would need the network"
    assets = re.findall(r"""(?:src|href)=["']/static/([^"'?]+)""", html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert finders.find(asset), asset

    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()
