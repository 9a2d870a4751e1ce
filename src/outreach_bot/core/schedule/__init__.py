"""Messages sent later: one durable mechanism for reminders, re-engagements, visit alerts,
"send later" and whatever else writes to a young person at a chosen time.

Writing one (in the caller's transaction)::

    from outreach_bot.core.schedule import cancel_pending, schedule

    await schedule(session, conversation.id, kind="reminder", due_at=when,
                   message="appointment_reminder", values={"when": "mardi 14:00"},
                   buttons=[("button_cannot_come", "/cannot_come")], lead_id=lead.id,
                   expires_at=appointment_start)
    await cancel_pending(session, conversation.id, reason="appointment moved", kinds={...})

Sending (:class:`Scheduler`, one per process, started with the web app): every tick claims
the due rows with ``FOR UPDATE SKIP LOCKED``, applies the sending rules
(:mod:`outreach_bot.core.delivery.rules`), asks the guard registered for the row's kind
whether it should still go, and writes the transcript line and the outbox row in the same
transaction that marks it sent. So a message is queued exactly once, whatever crashes or
however many workers run, and goes out through the outbox like every other one.

May import ``core.channel``, ``core.delivery``, ``core.events``, ``dialogue`` (replies,
state), ``content``, ``storage``, ``config`` and ``domain``.
"""

from outreach_bot.core.schedule.plan import (
    Planned,
    ScheduledContent,
    cancel_pending,
    pending_for,
    schedule,
    schedule_many,
)
from outreach_bot.core.schedule.scheduler import Guard, Planner, Scheduler

__all__ = [
    "Guard",
    "Planned",
    "Planner",
    "ScheduledContent",
    "Scheduler",
    "cancel_pending",
    "pending_for",
    "schedule",
    "schedule_many",
]
