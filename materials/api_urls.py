from django.urls import path

from materials import api

urlpatterns = [
    path("materials/", api.MaterialListApi.as_view(), name="material-list"),
    path("materials/overrides/", api.OverrideListApi.as_view(), name="material-overrides"),
    path("materials/<int:pk>/", api.MaterialDetailApi.as_view(), name="material-detail"),
    path("materials/<int:pk>/publish/", api.MaterialPublishApi.as_view(), name="material-publish"),
    path("materials/<int:pk>/withdraw/", api.MaterialWithdrawApi.as_view(), name="material-withdraw"),
    path("materials/<int:pk>/share/", api.MaterialShareApi.as_view(), name="material-share"),
    path("materials/<int:pk>/poster.png", api.MaterialPosterApi.as_view(), name="material-poster"),
    path("materials/<int:pk>/preview.png", api.MaterialPreviewApi.as_view(), name="material-preview"),
    path("shares/stats/", api.ShareStatsApi.as_view(), name="share-stats"),
]
