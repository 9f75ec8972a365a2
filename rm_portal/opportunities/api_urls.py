from django.urls import path

from rm_portal.opportunities import api

urlpatterns = [
    path("opportunity-rules/", api.RuleListApi.as_view(), name="opportunity-rule-list"),
    path("opportunity-rules/<slug:code>/", api.RuleDetailApi.as_view(), name="opportunity-rule-detail"),
    path("opportunity-rules/<slug:code>/run/", api.RuleRunApi.as_view(), name="opportunity-rule-run"),
    path("opportunity-rules/<slug:code>/stats/", api.RuleStatsApi.as_view(), name="opportunity-rule-stats"),
    path("opportunity-stats/rules/", api.RulesStatsApi.as_view(), name="opportunity-stats-rules"),
    path("opportunity-stats/leaderboard/", api.LeaderboardApi.as_view(), name="opportunity-leaderboard"),
    path("opportunities/", api.OpportunityListApi.as_view(), name="opportunity-list"),
    path("opportunities/today/", api.OpportunityTodayApi.as_view(), name="opportunity-today"),
    path("opportunities/<int:pk>/", api.OpportunityDetailApi.as_view(), name="opportunity-detail"),
    path(
        "opportunities/<int:pk>/complete/", api.OpportunityCompleteApi.as_view(), name="opportunity-complete"
    ),
    path("opportunities/<int:pk>/review/", api.OpportunityReviewApi.as_view(), name="opportunity-review"),
]
