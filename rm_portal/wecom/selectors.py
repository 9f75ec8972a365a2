"""Reads of WeCom contacts for the acting user, through the one access policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404

from compliance.models import Channel, Conversation
from rm_portal.customers.models import Customer
from rm_portal.customers.selectors import customer_search
from rm_portal.opportunities.models import Opportunity
from rm_portal.org.access import actionable, role_of, scope
from rm_portal.org.models import Role
from rm_portal.wecom.models import ContactFollow

OPEN_OPPORTUNITIES = 20
CUSTOMER_SEARCH_LIMIT = 20


def _follows() -> QuerySet[ContactFollow]:
    return ContactFollow.objects.select_related(
        "contact", "rm__staff", "customer", "material", "bound_by__staff"
    )


def contact_list(*, user: User, bound: bool | None = None, status: str = "") -> QuerySet[ContactFollow]:
    """The contacts the user sees. For an RM the active unbound come first (binding them is the
    work), then the newest; everyone else gets the newest first."""
    qs = scope(user, _follows())
    if bound is not None:
        qs = qs.filter(customer__isnull=not bound)
    if status:
        qs = qs.filter(status=status)
    if role_of(user) == Role.RM:
        unbound = ExpressionWrapper(
            Q(customer__isnull=True, status=ContactFollow.Status.ACTIVE), output_field=BooleanField()
        )
        return qs.alias(unbound=unbound).order_by("-unbound", "-added_at", "-id")
    return qs.order_by("-added_at", "-id")


def _one(qs: QuerySet[ContactFollow], external_userid: str) -> ContactFollow:
    # A lead may see two RMs of the branch following the same WeChat user: the live one first.
    found = (
        qs.filter(contact__external_userid=external_userid)
        .alias(active=ExpressionWrapper(Q(status=ContactFollow.Status.ACTIVE), output_field=BooleanField()))
        .order_by("-active", "-added_at", "-id")
        .first()
    )
    if found is None:
        raise Http404("no such contact")
    return found


def contact_for(user: User, external_userid: str) -> ContactFollow:
    """The contact the user may see (the RM's own, the lead's branch's), or 404."""
    return _one(scope(user, _follows()), external_userid)


def contact_to_bind_for(user: User, external_userid: str) -> ContactFollow:
    """The contact the user may bind: only the owning RM's own relation, or 404."""
    return _one(actionable(user, _follows()), external_userid)


@dataclass
class ContactCard:
    follow: ContactFollow
    opportunities: list[Opportunity]
    conversations: list[Conversation]
    # Brief 4's recommendations (product §7) go here, read by the sidebar through the detail API.
    recommendations: list[object] = field(default_factory=list)


def contact_card(*, user: User, follow: ContactFollow) -> ContactCard:
    """What the contact's card and the chat sidebar show: the bound customer's open opportunities
    the user sees, and the archived conversations with this WeChat user the user may open."""
    opportunities: list[Opportunity] = []
    if follow.customer_id is not None:
        opportunities = list(
            scope(user, Opportunity.objects.select_related("rule", "customer", "branch", "assignee__staff"))
            .filter(customer_id=follow.customer_id, status=Opportunity.Status.OPEN)
            .order_by("due_at", "id")[:OPEN_OPPORTUNITIES]
        )
    conversations = list(
        scope(user, Conversation.objects.select_related("rm__staff"))
        .filter(channel=Channel.WECOM, contact=follow.contact.external_userid)
        .order_by("-id")[:10]
    )
    return ContactCard(follow=follow, opportunities=opportunities, conversations=conversations)


def contacts_of_customer(*, user: User, customer: Customer) -> list[ContactFollow]:
    """The WeCom relations bound to this customer that the user sees (the portrait's line)."""
    return list(scope(user, _follows()).filter(customer=customer).order_by("-added_at", "-id")[:5])


def bind_candidates(*, user: User, q: str) -> list[Customer]:
    """The user's customers a contact may be bound to, found the way the customer picker finds
    them (`customer_search`: name, customer number, or the phone's last 4 digits)."""
    q = q.strip()
    if not q:
        return []
    return list(
        scope(user, Customer.objects.only("pk", "cust_no", "name", "phone"))
        .filter(customer_search(q))
        .order_by("cust_no")[:CUSTOMER_SEARCH_LIMIT]
    )
