"""The scenario's actors, found by looking in this package: each module here that defines
`ACTORS` (a sequence of zero-argument factories returning an `enlace.sim.actor.Actor`) plugs its
actors in. A domain module adds its participants (pharmacies, devices, payers, suppliers) as a
new file in this package — no central list to edit (docs/simulation.md, "Plugging in actors").
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from graphlib import CycleError, TopologicalSorter

from enlace.sim.actor import Actor, ActorFactory


def factories() -> list[ActorFactory]:
    found: list[ActorFactory] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "ACTORS", ()))
    return found


def discover() -> list[Actor]:
    return ordered(factory() for factory in factories())


def ordered(actors: Iterable[Actor]) -> list[Actor]:
    """Actors in an order where each runs after those it names in `after` (ties by name, so
    the order never depends on the file system). ValueError for a duplicate name, an unknown
    name in `after`, or a cycle."""
    by_name: dict[str, Actor] = {}
    for actor in actors:
        if actor.name in by_name:
            raise ValueError(f"two simulation actors are named {actor.name!r}")
        by_name[actor.name] = actor
    graph = TopologicalSorter[str]()
    for name in sorted(by_name):
        unknown = [a for a in by_name[name].after if a not in by_name]
        if unknown:
            raise ValueError(f"actor {name!r} runs after unknown actors {unknown}")
        graph.add(name, *sorted(by_name[name].after))
    try:
        graph.prepare()
    except CycleError as exc:
        raise ValueError(
            f"simulation actors depend on each other in a cycle: {exc.args[1]}"
        ) from None
    order: list[str] = []
    while graph.is_active():
        ready = sorted(graph.get_ready())
        order.extend(ready)
        graph.done(*ready)
    return [by_name[name] for name in order]
