"""``AnyEvent``: the union of the event kinds, what a trace's events are typed as, so that a check of
``kind`` (or isinstance) tells a type checker which fields an event has.

Imports typing, so nothing that records imports it at run time (importtrace gives it on first use).
"""

from typing import Union

from ._event import HitEvent, LoadEvent, ReloadEvent, SearchEvent

AnyEvent = Union[SearchEvent, LoadEvent, HitEvent, ReloadEvent]
