"""The reminder engine's brain: what is due, what it says, to whom, exactly once.

Rows are the truth. Every message the clock sends is an *occurrence* derived from
a row (a deadline's offset, a scheduled announcement, an office-hour notice) with a
stable key. Sending is a fan-out over recipients, each claimed in the delivery log
before it is sent, so a restart resumes a fan-out instead of repeating it. Each
platform is behind the `Outbox` protocol; this package never imports one.

Where things are:
- occurrences.py: what an occurrence is; when each kind falls due (calendar rules)
- planner.py: which occurrences the rows imply, within a window (`ReminderPlanner`)
- wording.py: what each reminder says (deadline names and actions, every template)
- audience.py: whom it reaches, decided at send time (`ReminderContent`, `Audience`)
- dispatcher.py: sending, with the delivery log's claims, retries and DM fallback
- outbox.py: `Notice` and `Outbox`, the interface each front end implements
The scheduler that runs them on the clock is bot/scheduler.py.
"""

from bot.core.reminders.audience import Audience, ReminderContent
from bot.core.reminders.dispatcher import (
    FANOUT_CONCURRENCY,
    LATE_AFTER,
    MAX_ATTEMPTS,
    Dispatcher,
    RunOutcome,
)
from bot.core.reminders.occurrences import (
    BLOCK_DAY_NOTICE,
    OFFICE_HOUR_MAX_WEEKS,
    OFFICE_HOUR_NOTICES,
    TALK_NOTICES,
    Occurrence,
    Source,
    before,
    block_day_occurrences,
    block_day_start,
    deadline_occurrences,
    notice_before,
    office_hour_occurrences,
    office_hour_starts,
    talk_occurrences,
)
from bot.core.reminders.outbox import DeliveryFailed, Notice, Outbox, literal
from bot.core.reminders.planner import (
    ANNOUNCEMENT_USEFUL_FOR,
    NOTICE_USEFUL_FOR,
    PUBLICATION_USEFUL_FOR,
    Plan,
    ReminderPlanner,
)
from bot.core.reminders.wording import (
    DEADLINE_ACTIONS,
    DEADLINE_NAMES,
    PUBLICATION_POST_BUDGET,
)

__all__ = [
    "ANNOUNCEMENT_USEFUL_FOR",
    "BLOCK_DAY_NOTICE",
    "DEADLINE_ACTIONS",
    "DEADLINE_NAMES",
    "FANOUT_CONCURRENCY",
    "LATE_AFTER",
    "MAX_ATTEMPTS",
    "NOTICE_USEFUL_FOR",
    "OFFICE_HOUR_MAX_WEEKS",
    "OFFICE_HOUR_NOTICES",
    "PUBLICATION_POST_BUDGET",
    "PUBLICATION_USEFUL_FOR",
    "TALK_NOTICES",
    "Audience",
    "DeliveryFailed",
    "Dispatcher",
    "Notice",
    "Occurrence",
    "Outbox",
    "Plan",
    "ReminderContent",
    "ReminderPlanner",
    "RunOutcome",
    "Source",
    "before",
    "block_day_occurrences",
    "block_day_start",
    "deadline_occurrences",
    "literal",
    "notice_before",
    "office_hour_occurrences",
    "office_hour_starts",
    "talk_occurrences",
]
