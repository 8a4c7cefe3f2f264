"""The generic workflow: a table of steps (from, action, to, who, guard) and nothing else.

The UI asks ``flow.allowed(obj, actor)`` to draw its buttons; services call
``flow.apply(obj, action, actor)``; both read the same table. Guards are plain functions of the
object (and actor) returning ``None`` when the step may happen, or a message id saying why not.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from app.errors import DomainError, PermissionDenied, TransitionRefused
from app.i18n import N_, Lazy
from app.permissions import ROLE_LABELS, Actor, Role

Guard = Callable[[Any, Actor], "str | None"]


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    action: str
    target: str
    roles: frozenset[Role]
    label: str
    guard: Guard | None = None
    #: the person must say why (cancel, lost, refused, moving backwards)
    needs_reason: bool = False

    @property
    def automatic(self) -> bool:
        return self.roles == frozenset({Role.SYSTEM})


def step(sources: str | Iterable[str], action: str, target: str, roles: Iterable[Role], label: str,
         guard: Guard | None = None, reason: bool = False) -> Step:
    srcs = frozenset([sources] if isinstance(sources, str) else sources)
    return Step(srcs, action, target, frozenset(roles), label, guard, reason)


@dataclass
class Workflow:
    name: str
    #: status -> label (N_), in the order a status tracker draws them
    statuses: dict[str, str]
    initial: str
    steps: list[Step] = field(default_factory=list)
    #: statuses that end the flow (drawn apart from the main line)
    terminal: frozenset[str] = frozenset()
    #: side steps only some records pass through (hidden from a tracker unless reached)
    optional: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        known = set(self.statuses)
        for s in self.steps:
            unknown = (s.sources | {s.target}) - known
            if unknown:
                raise ValueError(f"{self.name}.{s.action}: unknown statuses {sorted(unknown)}")
        self._rank = {s: i for i, s in enumerate(self.statuses)}

    # -- reading the table ------------------------------------------------------------------
    @property
    def actions(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.steps:
            seen.setdefault(s.action, None)
        return list(seen)

    def label(self, status: str) -> str:
        return self.statuses.get(status, status)

    def rank(self, status: str) -> int:
        return self._rank[status]

    def is_backwards(self, source: str, target: str) -> bool:
        return target not in self.terminal and self.rank(target) < self.rank(source)

    def steps_from(self, status: str) -> list[Step]:
        return [s for s in self.steps if status in s.sources]

    def _role_may(self, s: Step, actor: Actor) -> bool:
        return actor.role in s.roles

    def allowed(self, obj: Any, actor: Actor) -> list[Step]:
        """Steps this actor may take on ``obj`` now (one per action; manual steps only)."""
        out: dict[str, Step] = {}
        for s in self.steps_from(obj.status):
            if s.action in out or not self._role_may(s, actor):
                continue
            if s.automatic and actor.role is not Role.SYSTEM:
                continue
            if s.guard is None or s.guard(obj, actor) is None:
                out[s.action] = s
        return list(out.values())

    def check(self, obj: Any, action: str, actor: Actor, reason: str | None = None) -> Step:
        """The step ``action`` takes from ``obj``'s status, or a DomainError saying why not."""
        candidates = [s for s in self.steps if s.action == action]
        if not candidates:
            raise ValueError(f"{self.name}: unknown action {action!r}")
        here = [s for s in candidates if obj.status in s.sources]
        if not here:
            raise TransitionRefused(action=Lazy(candidates[0].label),
                                    status=Lazy(self.label(obj.status)))
        mine = [s for s in here if self._role_may(s, actor)]
        if not mine:
            raise PermissionDenied(role=Lazy(ROLE_LABELS[actor.role]), what=Lazy(here[0].label))
        refusal: str | None = None
        for s in mine:
            refusal = s.guard(obj, actor) if s.guard else None
            if refusal is None:
                if (s.needs_reason or self.is_backwards(obj.status, s.target)) \
                        and not (reason or "").strip():
                    raise DomainError(N_("Please give a reason for “{action}”."), action=Lazy(s.label))
                return s
        raise DomainError(refusal)

    def apply(self, obj: Any, action: str, actor: Actor, reason: str | None = None) -> Step:
        s = self.check(obj, action, actor, reason)
        obj.status = s.target
        return s
