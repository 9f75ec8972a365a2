"""The shapes every app uses for people and branches: `{"username", "display_name"}` and
`{"code", "name"}`. Nothing else writes them out by hand."""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework import serializers
from rest_framework.authtoken.models import Token

from rm_portal.org.models import Branch, Staff


class BranchOut(serializers.ModelSerializer[Branch]):
    class Meta:
        model = Branch
        fields = ["code", "name"]


class PersonOut(serializers.Serializer[User]):
    """A person, from their auth User (what every foreign key points at). Select
    `<fk>__staff` with the row so that naming them costs no query."""

    username = serializers.CharField()
    display_name = serializers.SerializerMethodField()

    def get_display_name(self, user: User) -> str:
        try:
            return user.staff.name or user.username
        except Staff.DoesNotExist:
            return user.username


class MeOut(serializers.ModelSerializer[Staff]):
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="name")
    branch = BranchOut()

    class Meta:
        model = Staff
        fields = ["username", "display_name", "role", "branch", "employee_no", "title", "phone"]


class TokenOut(serializers.Serializer[Token]):
    """`{"token": "…"}`: send it back as `Authorization: Token …`."""

    token = serializers.CharField(source="key")


class WechatQrOut(serializers.Serializer[Staff]):
    """Whether the person has a WeChat QR on their business card now."""

    wechat_qr = serializers.SerializerMethodField()

    def get_wechat_qr(self, staff: Staff) -> bool:
        return bool(staff.wechat_qr)
