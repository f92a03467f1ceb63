from django.contrib.auth import views as auth_views
from django.urls import path

from . import audit_views, unit_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.language_switch, name="language-switch"),
    path("login/code/", views.login_verify, name="login-verify"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("request-access/", views.access_request_new, name="access-request-new"),
    path("request-access/sent/", views.access_request_sent, name="access-request-sent"),
    path("access-requests/", views.access_request_list, name="access-request-list"),
    path("access-requests/<id:request_id>/", views.access_request_detail, name="access-request-detail"),
    path("activate/<str:token>/", views.account_activate, name="account-activate"),
    path("people/", views.people, name="people"),
    path("people/<id:person_id>/<slug:action>/", views.person_action, name="person-action"),
    path("audit/", audit_views.audit_list, name="audit-list"),
    path("audit/<id:event_id>/", audit_views.audit_detail, name="audit-detail"),
    path("audit/access/", audit_views.access_log_list, name="audit-access-log"),
    path("units/", unit_views.unit_list, name="unit-list"),
    path("units/<id:unit_id>/", unit_views.unit_detail, name="unit-detail"),
    path("units/<id:unit_id>/members/<id:person_id>/remove/", unit_views.unit_member_remove, name="unit-member-remove"),
]
