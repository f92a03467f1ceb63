from django.urls import path

from .views import aitr, charts, debrief, regional

urlpatterns = [
    path("operations/<id:operation_id>/", debrief.operation_reports, name="report-list"),
    path("operations/<id:operation_id>/lines.csv", debrief.lines_csv, name="report-lines-csv"),
    path("operations/<id:operation_id>/charts/<slug:name>.svg", charts.operation_chart, name="report-chart"),
    path("<id:report_id>/", debrief.report_detail, name="report-detail"),
    path("<id:report_id>/download/<str:fmt>/", debrief.report_download, name="report-download"),
    path("<id:report_id>/tables/<slug:table>.csv", debrief.table_csv, name="report-table-csv"),
    path("regions/", regional.region_list, name="report-regions"),
    path("regions/<str:rilo>/", regional.region_detail, name="report-region"),
    path("cites-aitr/", aitr.aitr_form, name="report-aitr"),
]
