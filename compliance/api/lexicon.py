"""The lexicon (compliance edits, head office reads) and the compose box's check (every role)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.api.common import CheckThrottle, TermsPermission, text_field
from compliance.filters import TermFilter
from compliance.models import Severity, Term
from compliance.selectors import detector_for, detector_list, term_for, term_list
from compliance.serializers import CheckOut, DetectorOut, TermOut
from compliance.services.detectors import MAX_DOMAINS, detector_update
from compliance.services.lexicon import term_create, term_update, text_check
from rm_portal.api.inputs import validated
from rm_portal.core.requests import AuthedRequest

MAX_TEXT = 64 * 1024


class TermIn(serializers.Serializer[Any]):
    term = text_field(max_length=64)
    category = text_field(max_length=32)
    severity = serializers.ChoiceField(choices=Severity.choices)
    allow = serializers.ListField(
        child=text_field(max_length=64), required=False, max_length=50, default=list
    )
    suggestion = text_field(max_length=200, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)


class TermPatch(TermIn):
    """Any subset of TermIn's fields; those left out keep their value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


class TermListApi(ListAPIView[Term]):
    permission_classes = [TermsPermission]
    serializer_class = TermOut
    filterset_class = TermFilter
    request: AuthedRequest

    def get_queryset(self) -> QuerySet[Term]:
        return term_list(user=self.request.user)

    @extend_schema(request=TermIn, responses={201: TermOut})
    def post(self, request: AuthedRequest) -> Response:
        data = validated(TermIn, request.data)
        return Response(TermOut(term_create(by=request.user, **data)).data, status=status.HTTP_201_CREATED)


class TermDetailApi(APIView):
    permission_classes = [TermsPermission]

    @extend_schema(responses={200: TermOut})
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(TermOut(term_for(request.user, pk)).data)

    @extend_schema(request=TermPatch, responses={200: TermOut})
    def patch(self, request: AuthedRequest, pk: int) -> Response:
        data = validated(TermPatch, request.data)
        term = term_for(request.user, pk)
        return Response(TermOut(term_update(target=term, by=request.user, **data)).data)


class CheckIn(serializers.Serializer[Any]):
    text = text_field(max_length=MAX_TEXT, allow_blank=True, trim_whitespace=False)


class CheckApi(APIView):
    """What an RM is about to send, checked against the lexicon: block → not allowed. Throttled
    per user (`CHECK_RATE`)."""

    throttle_classes = [CheckThrottle]

    @extend_schema(request=CheckIn, responses={200: CheckOut})
    def post(self, request: AuthedRequest) -> Response:
        data = validated(CheckIn, request.data)
        return Response(CheckOut(text_check(text=data["text"])).data)


class DetectorPatch(serializers.Serializer[Any]):
    enabled = serializers.BooleanField(required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    allow_domains = serializers.ListField(
        child=text_field(max_length=253), required=False, max_length=MAX_DOMAINS
    )


class DetectorListApi(APIView):
    """The built-in detectors beside the lexicon (phones, ids, e-mail, URLs, cards, ID numbers)."""

    permission_classes = [TermsPermission]

    @extend_schema(responses={200: DetectorOut(many=True)})
    def get(self, request: AuthedRequest) -> Response:
        return Response(DetectorOut(detector_list(user=request.user), many=True).data)


class DetectorDetailApi(APIView):
    permission_classes = [TermsPermission]

    @extend_schema(responses={200: DetectorOut})
    def get(self, request: AuthedRequest, kind: str) -> Response:
        return Response(DetectorOut(detector_for(request.user, kind)).data)

    @extend_schema(request=DetectorPatch, responses={200: DetectorOut})
    def patch(self, request: AuthedRequest, kind: str) -> Response:
        data = validated(DetectorPatch, request.data)
        row = detector_for(request.user, kind)
        return Response(DetectorOut(detector_update(kind=row.kind, by=request.user, **data)).data)
