import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.choices import AdministrationKind, Role


@pytest.fixture
def admin_client_for(client, make_user, make_administration):
    secretariat = make_administration(kind=AdministrationKind.SECRETARIAT, country=None)
    user = make_user(role=Role.SECRETARIAT, administration=secretariat, platform_admin=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda model: model._meta.label)
def test_every_admin_page_loads(admin_client_for, model):
    opts = model._meta
    changelist = admin_client_for.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200

    if admin.site._registry[model].has_add_permission(changelist.wsgi_request):
        assert admin_client_for.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200

    instance = model._default_manager.first()
    if instance is not None:
        change = admin_client_for.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))
        assert change.status_code == 200


@pytest.mark.django_db
def test_admin_search_works_on_large_code_lists(admin_client_for):
    response = admin_client_for.get(reverse("admin:reference_hscode_changelist"), {"q": "waste"})
    assert response.status_code == 200
    assert "3915" in response.content.decode()


@pytest.mark.django_db
def test_officers_cannot_enter_the_admin(client, officer):
    client.force_login(officer)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
