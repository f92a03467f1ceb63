from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "reports-api"

router = SimpleRouter()
router.register("reports", views.ReportViewSet, basename="report")

urlpatterns = [
    path("operations/<id:operation_id>/report/", views.OperationReportView.as_view(), name="operation-report"),
    *router.urls,
]
