"""A patient's days with hospital stays taken out (pure).

PDC does not count a stay against the patient (the ward gives the medicines) and a gap does not
grow during one. Rather than special-case stays in every measure, the measures work on a
*timeline index* in which stay days do not exist: every day outside a stay gets the index of
the day before it plus one, and every day inside a stay gets the index of the first day after
it. A supply of n days covers n consecutive indexes, so home supply is not used up while the
patient is in hospital; interval lengths in index space are days outside hospital.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from enlace.modules.adherence.domain import Interruption


class Timeline:
    """Index <-> date for one patient; without stays the index is the date's ordinal."""

    __slots__ = ("stays",)

    def __init__(self, interruptions: Sequence[Interruption] = ()) -> None:
        # (first, last) ordinals, sorted and not overlapping (therapies.assemble merges them)
        self.stays = [(s.start.toordinal(), s.end.toordinal()) for s in interruptions]

    def index(self, day: date) -> int:
        ordinal = day.toordinal()
        if not self.stays:
            return ordinal
        shift = 0
        for first, last in self.stays:
            if ordinal > last:
                shift += last - first + 1
            else:
                if ordinal >= first:  # inside the stay: the first day after it
                    shift += ordinal - first
                break
        return ordinal - shift

    def day(self, index: int) -> date:
        """The first date outside any stay whose index is `index`."""
        ordinal = index
        for first, last in self.stays:
            if first > ordinal:
                break
            ordinal += last - first + 1
        return date.fromordinal(ordinal)

    def end_index(self, last_day: date) -> int:
        """The exclusive index bound of a window whose last (inclusive) day is `last_day`."""
        return self.index(date.fromordinal(last_day.toordinal() + 1))
