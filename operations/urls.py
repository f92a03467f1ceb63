from django.urls import path

from . import views

urlpatterns = [
    path("", views.operation_list, name="operation-list"),
    path("new/", views.operation_create, name="operation-create"),
    path("<id:operation_id>/", views.operation_detail, name="operation-detail"),
    path("<id:operation_id>/settings/", views.operation_edit, name="operation-edit"),
    path("<id:operation_id>/participants/", views.operation_participants, name="operation-participants"),
    path("<id:operation_id>/thread/", views.operation_thread_post, name="operation-thread-post"),
    path("<id:operation_id>/answer/<str:answer>/", views.participation_answer, name="operation-answer"),
    path("<id:operation_id>/<str:action>/", views.operation_action, name="operation-action"),
]
