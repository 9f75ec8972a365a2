"""The shapes of background jobs: a job polled at /api/v1/jobs/{id}/, and the 202 answer of every
endpoint that starts one (`{"job": id}`, the id to poll)."""

from __future__ import annotations

from rest_framework import serializers

from rm_portal.core.models import Job


class JobOut(serializers.ModelSerializer[Job]):
    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "state",
            "processed",
            "total",
            "errors",
            "result",
            "created_at",
            "finished_at",
        ]


class JobAcceptedOut(serializers.Serializer[Job]):
    """`{"job": id}`: the work is queued; poll GET /api/v1/jobs/{id}/. Built from the Job itself:
    `Response(JobAcceptedOut(job).data, status=202)`."""

    job = serializers.IntegerField(source="pk")


class UnavailableOut(serializers.Serializer[object]):
    """The 503 of an operation that needs something outside the product (a font, WeCom)."""

    detail = serializers.CharField(help_text="what is unavailable, and what to do")
