from django.urls import path

from rm_portal.matching import api

urlpatterns = [
    path(
        "customers/<str:cust_no>/recommendations/",
        api.RecommendationListApi.as_view(),
        name="customer-recommendations",
    ),
    path("matching/signals/", api.SignalListApi.as_view(), name="matching-signals"),
    path("matching/figures/", api.RecommendationFiguresApi.as_view(), name="matching-figures"),
]
