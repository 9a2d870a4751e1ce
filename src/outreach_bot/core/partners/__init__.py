"""Partners of the consortium and the referrals the team makes to them.

``directory`` (organisations and their services, edited in the back office or imported from
a data·inclusion file), ``datainclusion`` (reading that file format), ``referrals`` (a
referral's life: proposal, the young person's answer, the partner's link and answers,
reminders and closing, erasure).

May import ``core.delivery``, ``core.mail``, ``core.privacy.audit``, ``core.staff``,
``dialogue``, ``storage`` and ``domain``.
"""
