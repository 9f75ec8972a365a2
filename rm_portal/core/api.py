from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.permissions import IsHeadOffice
from rm_portal.core.models import Job
from rm_portal.core.requests import AuthedRequest
from rm_portal.core.services import job_create
from rm_portal.core.tasks import job_selfcheck
from rm_portal.org.access import get_scoped_or_404


class JobOut(serializers.ModelSerializer):
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


class JobDetailApi(APIView):
    @extend_schema(responses=JobOut)
    def get(self, request: Request, pk: int) -> Response:
        return Response(JobOut(get_scoped_or_404(request.user, Job.objects.all(), pk=pk)).data)


class WorkerSelfCheckApi(APIView):
    """Head office asks: is a background worker alive? Answers a job to poll."""

    permission_classes = [IsHeadOffice]

    @extend_schema(request=None, responses={202: JobOut})
    def post(self, request: AuthedRequest) -> Response:
        job = job_create(owner=request.user, kind="selfcheck", total=1)
        transaction.on_commit(lambda: job_selfcheck.delay(job.pk))
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)
