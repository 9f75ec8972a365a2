"""The handlers of WeCom's callback events, registered with `events.handles`.

None yet: the customer-contact handlers (add_external_contact, del_follow_user, …) come with the
contacts slice. Until then every event is stored and recorded as ignored.
"""
