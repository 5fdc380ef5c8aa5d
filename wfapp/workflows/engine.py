"""Binds a workflow definition (states, transitions, who may fire what, guards) to a
`transitions` Machine.

A workflow is data plus small guard functions; it knows nothing of Flask or the database.
The service layer builds a GuardContext from the rows it loaded, asks `fire()` for the next
state and writes it back. The Machine is built once per workflow; each call binds a small
subject that carries only the state, so ORM rows never get trigger methods attached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from transitions import Machine, MachineError

GuardKind = Literal["fact", "input", "branch"]


class LazyFacts(dict):
    """Facts computed when a guard first reads them (from zero-argument functions): firing
    an approval does not validate the table nor count sign-offs."""

    def __init__(self, compute: Mapping[str, Callable[[], Any]]):
        super().__init__()
        self._compute = compute

    def __missing__(self, key: str) -> Any:
        value = self[key] = self._compute[key]()
        return value


@dataclass
class GuardContext:
    """Facts the service gathered for one attempt; guards read them, failures are noted."""

    facts: dict[str, Any] = field(default_factory=dict)
    failures: list[Guard] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        return self.facts[key]


@dataclass(frozen=True)
class Guard:
    """A condition on a transition.

    kind: "fact" guards depend on stored state and decide whether an action is offered;
    "input" guards depend on what the user sends (a reason, a valid table) and fail with
    422; "branch" guards only choose between two transitions of one action.
    """

    name: str
    message: str
    check: Callable[[GuardContext], bool]
    kind: GuardKind = "fact"

    def __call__(self, event: Any) -> bool:
        ctx: GuardContext = event.kwargs["ctx"]
        ok = bool(self.check(ctx))
        if not ok and self.kind != "branch":
            ctx.failures.append(self)
        return ok


class InvalidAction(Exception):
    """The action does not exist, or cannot be fired from the current state."""


class GuardFailed(Exception):
    def __init__(self, guards: Iterable[Guard]):
        self.guards = list(dict.fromkeys(guards))
        super().__init__("; ".join(g.message for g in self.guards))


class _Subject:
    def __init__(self) -> None:
        self.state: str | None = None


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    dest: str | None  # None: stays in the same state (an internal transition)
    conditions: tuple[Guard, ...] = ()
    unless: tuple[Guard, ...] = ()
    # Calendar-driven: opened on a date (by the scheduler, or by the office in bulk), so it is
    # nobody's pending duty in inbox and reminders, and the system may fire it.
    scheduled: bool = False
    # Fired for a whole group at once by a service (结束考评 closes every plan of a group):
    # never offered on one plan, nobody's pending duty on one plan.
    batch: bool = False
    # Fired by the system as the consequence of another object's change (the last
    # rectification item closing closes the plan): nobody's duty, and no person's button.
    automatic: bool = False
    # False: an action someone *may* take but nobody waits for (a unit withdrawing what it
    # sent): it never makes a task, though the task of the state lists it among its buttons.
    duty: bool = True


class Workflow:
    def __init__(
        self,
        name: str,
        states: Iterable[str],
        transitions: Iterable[Transition],
        who: Mapping[str, Mapping[str, frozenset[str]]],
        state_labels: Mapping[str, str],
        action_labels: Mapping[str, str],
    ) -> None:
        self.name = name
        self.states = [str(s) for s in states]
        self.transitions = [
            replace(t, source=str(t.source), dest=None if t.dest is None else str(t.dest))
            for t in transitions
        ]
        self.who = who
        self.state_labels = dict(state_labels)
        self.action_labels = dict(action_labels)
        self.actions = list(dict.fromkeys(t.action for t in self.transitions))
        self._lock = threading.Lock()
        self._machine = Machine(
            model=None,
            states=self.states,
            initial=self.states[0],
            transitions=[
                {
                    "trigger": t.action,
                    # Plain strings: transitions would name Enum states by their member name.
                    "source": str(t.source),
                    "dest": None if t.dest is None else str(t.dest),
                    "conditions": list(t.conditions),
                    "unless": list(t.unless),
                }
                for t in self.transitions
            ],
            auto_transitions=False,
            send_event=True,
            model_attribute="state",
        )

    # --- questions the API, pages, reminders and diagram ask -------------------------

    def roles_for(self, action: str, state: str) -> frozenset[str]:
        """Relational roles that may fire `action` while the plan is in `state`."""
        return self.who.get(action, {}).get(state, frozenset())

    def actions_from(self, state: str) -> list[str]:
        return list(dict.fromkeys(t.action for t in self.transitions if t.source == state))

    def duty_actions(self, state: str) -> list[str]:
        """The actions that make someone's work in `state` (a task): taken by a person, and
        keeping the object in its state or moving it on, not only taking it back."""
        order = {s: i for i, s in enumerate(self.states)}
        names = []
        for t in self.transitions:
            if t.scheduled or t.batch or t.automatic or not t.duty or t.source != state:
                continue
            if t.dest is None or order[t.dest] > order[state]:
                names.append(t.action)
        return list(dict.fromkeys(names))

    def person_actions(self, state: str) -> list[str]:
        """Every action a person may take from `state` (the buttons of its task)."""
        return list(
            dict.fromkeys(
                t.action
                for t in self.transitions
                if t.source == state and not (t.scheduled or t.batch or t.automatic)
            )
        )

    def actors_of(self, state: str) -> frozenset[str]:
        """Who is expected to act while an object sits in `state` (inbox and reminders):
        those whose actions keep it there or move it on, not those who may only take it back."""
        roles: set[str] = set()
        for action in self.duty_actions(state):
            roles |= self.roles_for(action, state)
        return frozenset(roles)

    def is_scheduled(self, action: str) -> bool:
        """Whether the calendar may fire this action as the system."""
        return any(t.scheduled for t in self.transitions if t.action == action)

    def is_batch(self, action: str) -> bool:
        """Whether the action is fired for a group by a service, never on one plan alone."""
        return any(t.batch for t in self.transitions if t.action == action)

    def is_automatic(self, action: str) -> bool:
        """Whether the system fires this action when its guards come true."""
        return any(t.automatic for t in self.transitions if t.action == action)

    def is_offered(self, action: str, state: str, ctx: GuardContext) -> bool:
        """Whether the action can be fired now, judged by the stored facts alone."""
        for t in self.transitions:
            if t.action == action and t.source == state:
                facts = [g for g in t.conditions if g.kind == "fact"]
                if all(g.check(ctx) for g in facts):
                    return True
        return False

    def describe(self) -> dict[str, Any]:
        """The definition as plain data: for the API, the diagram and the docs."""
        return {
            "name": self.name,
            "states": [{"name": s, "label": self.state_labels.get(s, s)} for s in self.states],
            "actions": [
                {
                    "name": a,
                    "label": self.action_labels.get(a, a),
                    "transitions": [
                        {
                            "from": t.source,
                            "to": t.dest or t.source,
                            "who": sorted(self.roles_for(a, t.source)),
                            "guards": [
                                {"name": g.name, "message": g.message}
                                for g in (*t.conditions, *t.unless)
                                if g.kind != "branch"
                            ],
                        }
                        for t in self.transitions
                        if t.action == a
                    ],
                }
                for a in self.actions
            ],
        }

    # --- firing ----------------------------------------------------------------------

    def fire(self, state: str, action: str, ctx: GuardContext) -> str:
        """The state after `action`, or InvalidAction / GuardFailed."""
        if action not in self.actions:
            raise InvalidAction(f"unknown action {action!r}")
        subject = _Subject()
        with self._lock:
            self._machine.add_model(subject, initial=str(state))
            try:
                fired = subject.trigger(action, ctx=ctx)  # type: ignore[attr-defined]
            except MachineError as exc:
                raise InvalidAction(str(exc)) from exc
            finally:
                self._machine.remove_model(subject)
        if not fired:
            raise GuardFailed(ctx.failures)
        assert subject.state is not None
        return subject.state
