"""The poster layout as a form head office fills in: the QR box, then x, y, size and colour per
text slot, each checked against the background's size before the service sees it."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from materials.services.materials import MIN_QR_SIZE, SLOTS

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_SIDE = 10_000  # before the background is known (a new template): the service checks the real size
SLOT_LABELS = {
    "name": gettext_lazy("姓名"),
    "title": gettext_lazy("职务"),
    "branch": gettext_lazy("网点"),
    "phone": gettext_lazy("电话"),
}
SIZE_RANGE = (12, 200)


def _number(label: str | Any, low: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        error_messages={
            "required": _("请填写"),
            "invalid": _("须为整数"),
            "min_value": _("须在 %(low)d 到 %(high)d 之间") % {"low": low, "high": high},
            "max_value": _("须在 %(low)d 到 %(high)d 之间") % {"low": low, "high": high},
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class PosterLayoutForm(forms.Form):
    """`width`/`height`: the stored background's, when there is one."""

    def __init__(
        self, *args: Any, width: int | None = None, height: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        max_x = (width - 1) if width else MAX_SIDE
        max_y = (height - 1) if height else MAX_SIDE
        side = min(width, height) if width and height else MAX_SIDE
        self.fields["qr_x"] = _number(gettext_lazy("二维码 x（左边距 px）"), 0, max_x)
        self.fields["qr_y"] = _number(gettext_lazy("二维码 y（上边距 px）"), 0, max_y)
        self.fields["qr_size"] = _number(gettext_lazy("二维码边长 px"), MIN_QR_SIZE, side)
        for slot in SLOTS:
            label = SLOT_LABELS[slot]
            self.fields[f"{slot}_show"] = forms.BooleanField(
                label=_("显示%(slot)s") % {"slot": label}, required=False
            )
            self.fields[f"{slot}_x"] = _number(_("%(slot)s x") % {"slot": label}, 0, max_x)
            self.fields[f"{slot}_y"] = _number(_("%(slot)s y") % {"slot": label}, 0, max_y)
            self.fields[f"{slot}_size"] = _number(_("%(slot)s 字号 px") % {"slot": label}, *SIZE_RANGE)
            self.fields[f"{slot}_color"] = forms.CharField(
                label=_("%(slot)s 颜色") % {"slot": label},
                max_length=7,
                widget=forms.TextInput(attrs={"type": "color"}),
                error_messages={"required": _("请填写")},
            )
        self.width, self.height = width, height

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for slot in SLOTS:
            colour = data.get(f"{slot}_color")
            if colour is not None and not COLOUR.match(colour):
                self.add_error(f"{slot}_color", _("颜色须为 #RRGGBB，例如 #b4232a"))
        box = [v for v in (data.get(k) for k in ("qr_x", "qr_y", "qr_size")) if isinstance(v, int)]
        if self.width and self.height and len(box) == 3:
            qr_x, qr_y, qr_size = box
            if qr_x + qr_size > self.width or qr_y + qr_size > self.height:
                self.add_error(
                    "qr_size", _("二维码超出背景图（%(w)d×%(h)d）") % {"w": self.width, "h": self.height}
                )
        return data

    def slot_rows(self) -> list[dict[str, Any]]:
        """The bound fields of each slot, for the template's one fieldset per slot."""
        return [
            {
                "key": slot,
                "label": SLOT_LABELS[slot],
                "show": self[f"{slot}_show"],
                "fields": [self[f"{slot}_{part}"] for part in ("x", "y", "size", "color")],
            }
            for slot in SLOTS
        ]

    def layout(self) -> dict[str, Any]:
        """The cleaned form as the service's layout; a slot not shown is left out (not drawn)."""
        data = self.cleaned_data
        return {
            "qr_x": data["qr_x"],
            "qr_y": data["qr_y"],
            "qr_size": data["qr_size"],
            "slots": {
                slot: {
                    "x": data[f"{slot}_x"],
                    "y": data[f"{slot}_y"],
                    "size": data[f"{slot}_size"],
                    "color": data[f"{slot}_color"].lower(),
                }
                for slot in SLOTS
                if data.get(f"{slot}_show")
            },
        }


def layout_initial(layout: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The form's initial values from a stored layout; a slot it leaves out starts hidden at the
    default place."""
    initial: dict[str, Any] = {k: layout.get(k, defaults[k]) for k in ("qr_x", "qr_y", "qr_size")}
    slots = layout.get("slots") or {}
    for slot in SLOTS:
        stored = slots.get(slot)
        value = stored or defaults["slots"][slot]
        initial[f"{slot}_show"] = stored is not None
        for part in ("x", "y", "size", "color"):
            initial[f"{slot}_{part}"] = value[part]
    return initial
