"""Who sees what of the compliance app: compliance officers the whole archive,
a branch lead their branch's conversations, an RM their own. Alerts, the lexicon and the
search audit are walled by role on top of this."""

from __future__ import annotations

from compliance.models import Alert, Conversation, DetectorSetting, Message, SearchAudit, Term
from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role

COMPLIANCE_ONLY = frozenset({Role.COMPLIANCE})

register(Conversation, Policy(owner="rm", branch="branch", everything=COMPLIANCE_ONLY))
register(Message, Policy(owner="conversation__rm", branch="conversation__branch", everything=COMPLIANCE_ONLY))
register(Alert, Policy(everything=COMPLIANCE_ONLY))
register(SearchAudit, Policy(everything=COMPLIANCE_ONLY))
register(Term, Policy(everything=frozenset({Role.COMPLIANCE, Role.HEAD_OFFICE})))
register(DetectorSetting, Policy(everything=frozenset({Role.COMPLIANCE, Role.HEAD_OFFICE})))
