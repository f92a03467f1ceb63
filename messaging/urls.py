from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="channel-inbox"),
    path("posts/new/", views.post_new, name="channel-post-new"),
    path("posts/<id:post_id>/", views.post_detail, name="channel-post"),
    path("posts/<id:post_id>/forward/", views.post_forward, name="channel-post-forward"),
    path("library/", views.library, name="channel-library"),
    path("library/new/", views.library_upload, name="channel-library-upload"),
    path("library/<id:document_id>/download/", views.document_download, name="channel-document-download"),
    path("files/<uuid:uuid>/", views.file_download, name="channel-file"),
    path("units/<id:unit_id>/", views.unit_inbox, name="channel-unit-inbox"),
    path("settings/", views.notification_settings, name="channel-settings"),
    path("settings/<id:preference_id>/delete/", views.notification_setting_delete, name="channel-setting-delete"),
]
