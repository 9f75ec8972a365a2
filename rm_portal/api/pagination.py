from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class CappedPaginator(Paginator):
    """Counts at most CAP + 1 rows (COUNT over a LIMIT subquery): a search matching millions
    answers as fast as one matching a thousand."""

    CAP = 1000

    @cached_property
    def _counted(self) -> int:
        head: Any = self.object_list[: self.CAP + 1]  # a queryset here: COUNT over a LIMIT subquery
        return int(head.count())

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.CAP)

    @property
    def capped(self) -> bool:
        return self._counted > self.CAP


class CappedPagination(Pagination):
    """`count` stops at 1,000 and `count_capped` says there are more ("1,000+"); pages go as far."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        assert self.page is not None
        paginator = self.page.paginator
        response.data["count_capped"] = bool(getattr(paginator, "capped", False))
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"]["description"] = "matches, at most 1000"
        answer["properties"]["count_capped"] = {"type": "boolean", "description": "more than 1000 match"}
        answer["required"] = [*answer.get("required", []), "count_capped"]
        return answer
