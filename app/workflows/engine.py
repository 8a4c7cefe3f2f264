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
from app.permissions import MATRIX, ROLE_LABELS, Actor, Perm, Role

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


def holders(*perms: Perm, system: bool = True) -> frozenset[Role]:
    """The roles the matrix gives any of ``perms`` (and the system's own, for its cascades): a
    step whose service ``require``s the permission is open to exactly the people who hold it."""
    roles = {r for r, have in MATRIX.items() if any(p in have for p in perms)}
    return frozenset(roles | {Role.SYSTEM} if system else roles - {Role.SYSTEM})


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
    #: statuses that are not a line (a message waiting, sending, waiting again): a step to an
    #: earlier one is not "moving backwards" and needs no reason of its own
    ordered: bool = True
    #: statuses other than ``initial`` a record may be created in (a re-quote awaits its answer)
    entries: frozenset[str] = frozenset()
    #: the column the flow moves: ``status`` but for a second axis of one record (a shipment's
    #: ``seal_check`` at arrival beside its ``status``)
    attribute: str = "status"

    def state_of(self, obj: Any) -> str:
        return getattr(obj, self.attribute)

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
        return self.ordered and target not in self.terminal and self.rank(target) < self.rank(source)

    def sources(self, action: str) -> frozenset[str]:
        """Every status the step ``action`` may start from (for a Core UPDATE's WHERE)."""
        found = [s.sources for s in self.steps if s.action == action]
        if not found:
            raise ValueError(f"{self.name}: unknown action {action!r}")
        return frozenset().union(*found)

    def target(self, action: str) -> str:
        """The status the step ``action`` leads to (for a Core UPDATE's SET)."""
        targets = {s.target for s in self.steps if s.action == action}
        if len(targets) != 1:
            raise ValueError(f"{self.name}: action {action!r} leads to {sorted(targets)}")
        return next(iter(targets))

    def steps_from(self, status: str) -> list[Step]:
        return [s for s in self.steps if status in s.sources]

    def _role_may(self, s: Step, actor: Actor) -> bool:
        return actor.role in s.roles

    def allowed(self, obj: Any, actor: Actor) -> list[Step]:
        """Steps this actor may take on ``obj`` now (one per action; manual steps only)."""
        out: dict[str, Step] = {}
        for s in self.steps_from(self.state_of(obj)):
            if s.action in out or not self._role_may(s, actor):
                continue
            if s.automatic and actor.role is not Role.SYSTEM:
                continue
            if s.guard is None or s.guard(obj, actor) is None:
                out[s.action] = s
        return list(out.values())

    def allowed_actions(self, obj: Any, actor: Actor) -> tuple[str, ...]:
        """The names of the steps this actor may take on ``obj`` now: what a view carries so its
        screen enables a button without comparing a status itself."""
        return tuple(s.action for s in self.allowed(obj, actor))

    def check(self, obj: Any, action: str, actor: Actor, reason: str | None = None) -> Step:
        """The step ``action`` takes from ``obj``'s status, or a DomainError saying why not."""
        candidates = [s for s in self.steps if s.action == action]
        if not candidates:
            raise ValueError(f"{self.name}: unknown action {action!r}")
        here = [s for s in candidates if self.state_of(obj) in s.sources]
        if not here:
            raise TransitionRefused(action=Lazy(candidates[0].label),
                                    status=Lazy(self.label(self.state_of(obj))))
        mine = [s for s in here if self._role_may(s, actor)]
        if not mine:
            raise PermissionDenied(role=Lazy(ROLE_LABELS[actor.role]), what=Lazy(here[0].label))
        refusal: str | None = None
        for s in mine:
            refusal = s.guard(obj, actor) if s.guard else None
            if refusal is None:
                if (s.needs_reason or self.is_backwards(self.state_of(obj), s.target)) \
                        and not (reason or "").strip():
                    raise DomainError(N_("Please give a reason for “{action}”."), action=Lazy(s.label))
                return s
        raise DomainError(refusal)

    def apply(self, obj: Any, action: str, actor: Actor, reason: str | None = None,
              seen_as: Any = None) -> Step:
        """Check the step and set ``obj.status``: the one place a status is assigned (services
        go through ``app.services.transitions.move``, which also stamps and logs it).
        ``seen_as`` is what the guards look at when it is not ``obj`` itself (a delivery with
        its lines loaded)."""
        s = self.check(obj if seen_as is None else seen_as, action, actor, reason)
        setattr(obj, self.attribute, s.target)
        return s
