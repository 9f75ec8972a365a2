"""Reads of background jobs, through the access policy (a job is its starter's alone)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404

from rm_portal.core.models import Job
from rm_portal.org.access import scope


def job_for(user: User, pk: int) -> Job:
    """The same 404 for someone else's job as for a missing one."""
    return get_object_or_404(scope(user, Job.objects.all()), pk=pk)
