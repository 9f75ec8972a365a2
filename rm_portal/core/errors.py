"""The domain's error vocabulary: what a service says when it refuses.

Services, selectors and tasks raise these and nothing from DRF or Django's HTTP layer, so the
same refusal reads the same on every surface: the API's exception handler turns one into JSON
with the right status (`rm_portal.api.exceptions`), a page shows it as form errors or a flash
message (`rm_portal.web.errors.show_error`), a task records it on its job.

    raise Invalid(fields={"due_minutes": _("须在 1 到 1440 之间")})
    raise Conflict(_("这条商机已经完成"))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Message = str | Promise
FieldErrors = Mapping[str, Message | Sequence[Message]]


class DomainError(Exception):
    """A refusal a person can act on: a translated message and, optionally, errors per field."""

    status = 400
    code = "invalid"
    default_message: Message = _("请求无效")

    def __init__(
        self,
        message: Message | None = None,
        *,
        fields: FieldErrors | None = None,
        data: Mapping[str, object] | None = None,
    ) -> None:
        # `data`: machine-readable keys a client acts on (which rule refused), beside the words.
        self.data = dict(data or {})
        self.fields: dict[str, list[str]] = {
            name: [str(m) for m in ([errors] if isinstance(errors, str | Promise) else errors)]
            for name, errors in (fields or {}).items()
        }
        # With field errors and no message of its own, the error is only its fields.
        if message is not None:
            self.message = str(message)
        else:
            self.message = "" if self.fields else str(self.default_message)
        super().__init__(self.message or "; ".join(f"{k}: {' '.join(v)}" for k, v in self.fields.items()))

    def messages(self) -> list[str]:
        """Every message, the general one first: what a flash message or a log line shows."""
        found = [self.message] if self.message else []
        return found + [m for errors in self.fields.values() for m in errors]

    def as_dict(self) -> dict[str, object]:
        """The JSON body: `{"detail"}`, field errors `{"field": ["…"]}`, or both."""
        body: dict[str, object] = {**self.data, **self.fields}
        if self.message:
            body["detail"] = self.message
        return body


class Invalid(DomainError):
    """The input breaks a rule of the domain (a bad rule expression, a date range too long)."""


class Conflict(DomainError):
    """Valid, but the object's state forbids it now (completed twice, a stale edit)."""

    status = 409
    code = "conflict"
    default_message = _("当前状态不允许该操作")


class TooLarge(DomainError):
    """More than the product accepts (a file, a batch, an export)."""

    status = 413
    code = "too_large"
    default_message = _("内容过大")


class NotAllowed(DomainError):
    """The person may see the object but not do this to it (not the assignee, say)."""

    status = 403
    code = "not_allowed"
    default_message = _("您没有执行该操作的权限")


class Unavailable(DomainError):
    """A service the product depends on (WeCom) did not answer or refused: try again later."""

    status = 503
    code = "unavailable"
    default_message = _("外部服务暂不可用，请稍后再试")
