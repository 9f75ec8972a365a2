from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from rm_portal.api.permissions import IsHeadOffice
from rm_portal.core.requests import AuthedRequest
from rm_portal.core.selectors import job_for
from rm_portal.core.selfcheck import worker_check_start
from rm_portal.core.serializers import JobAcceptedOut, JobOut


class JobDetailApi(APIView):
    @extend_schema(responses=JobOut)
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(JobOut(job_for(request.user, pk)).data)


class WorkerSelfCheckApi(APIView):
    """Head office asks: is a background worker alive? Answers a job to poll."""

    permission_classes = [IsHeadOffice]

    @extend_schema(request=None, responses={202: JobAcceptedOut})
    def post(self, request: AuthedRequest) -> Response:
        job = worker_check_start(by=request.user)
        return Response(JobAcceptedOut(job).data, status=status.HTTP_202_ACCEPTED)
