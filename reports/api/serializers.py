from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from ..choices import ReportKind, ReportStatus
from ..models import Report


class ReportQuerySerializer(serializers.Serializer):
    """Query of the live report: which counting rule, which language, compared with which edition."""

    kind = serializers.ChoiceField(choices=ReportKind.choices, default=ReportKind.PRELIMINARY)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    baseline = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class ReportRequestSerializer(ReportQuerySerializer):
    operation = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class ReportSerializer(serializers.ModelSerializer):
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id", "operation", "kind", "version", "audience", "language", "parameters", "status", "progress",
            "created_at", "generated_at", "downloads",
        ]  # fmt: skip
        read_only_fields = fields

    def get_downloads(self, report: Report) -> dict[str, str]:
        if report.status != ReportStatus.READY:
            return {}
        return {fmt: reverse("report-download", args=[report.pk, fmt]) for fmt in ("pdf", "xlsx", "json")}
