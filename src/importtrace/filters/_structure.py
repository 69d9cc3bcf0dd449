"""The nesting of a trace as the tree formats see it: chosen events as nodes, the others see-through.

Walks are iterative, so a trace nested deeper than Python's recursion limit still renders.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Callable

from ..trace._anyevent import AnyEvent
from ..trace._trace import Trace


def walk(trace: Trace, is_node: Callable[[AnyEvent], bool]) -> Iterator[tuple[bool, AnyEvent, int]]:
    """(entering, node, level) in time order: each node is entered, then its nested nodes are walked,
    then it is left.  Events that are not nodes are see-through: their nested nodes take their level."""
    stack: list[tuple[Iterator[AnyEvent], AnyEvent | None, int]] = [(iter(trace.children(None)), None, 0)]
    while stack:
        children, owner, level = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if owner is not None:
                yield False, owner, level - 1
            continue
        if is_node(child):
            yield True, child, level
            stack.append((iter(trace.children(child)), child, level + 1))
        else:
            stack.append((iter(trace.children(child)), None, level))


def node_children(trace: Trace, event: AnyEvent | None, is_node: Callable[[AnyEvent], bool]) -> list[AnyEvent]:
    """The nodes directly below event (below nothing, for None), looking through events that are not."""
    out: list[AnyEvent] = []
    stack = [iter(trace.children(event))]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif is_node(child):
            out.append(child)
        else:
            stack.append(iter(trace.children(child)))
    return out
