from django.urls import path

from . import views

urlpatterns = [
    path("", views.seizure_list, name="seizure-list"),
    path("file/<id:operation_id>/", views.seizure_new, name="seizure-new"),
    path("queue/<id:operation_id>/", views.validation_queue, name="seizure-queue"),
    path("import/<id:operation_id>/", views.seizure_import, name="seizure-import"),
    path("retention/", views.retention_review, name="seizure-retention"),
    path("<id:seizure_id>/", views.seizure_detail, name="seizure-detail"),
    path("<id:seizure_id>/edit/", views.seizure_edit, name="seizure-edit"),
    path("<id:seizure_id>/history/", views.seizure_history, name="seizure-history"),
    path("<id:seizure_id>/action/", views.seizure_action, name="seizure-action"),
    path("<id:seizure_id>/files/<uuid:uuid>/", views.seizure_file, name="seizure-file"),
]
