"""Bundle completion rules: pure functions of the content and the modules a person has done.

"Done" means completed or waived (recognition of prior learning credits the module, and with it
the standards it covers). A bundle is complete when every required module (the bundle's own and
the organisation's local modules fixed on the enrolment) is done, every choice group has at least
``min`` of its modules done, and every standard the bundle claims is covered by a done module
that counts in the bundle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

from lms.catalog.registry import Bundle, ChoiceGroup, Module


@dataclass(frozen=True)
class GroupState:
    group: ChoiceGroup
    done: tuple[str, ...]

    @property
    def satisfied(self) -> bool:
        return len(self.done) >= self.group.min

    @property
    def counted(self) -> int:
        """Done modules that count toward progress: extra choices beyond ``min`` do not."""
        return min(len(self.done), self.group.min)


@dataclass(frozen=True)
class BundleState:
    required: tuple[str, ...]  # the bundle's required modules then the local ones, in order
    missing: tuple[str, ...]  # required modules not done yet
    groups: tuple[GroupState, ...]
    covered: tuple[str, ...]  # claimed standards covered by done modules
    uncovered: tuple[str, ...]  # claimed standards still to cover
    done_count: int
    needed_count: int

    @property
    def complete(self) -> bool:
        return not self.missing and not self.uncovered and all(g.satisfied for g in self.groups)

    @property
    def fraction(self) -> float:
        return 1.0 if self.complete else self.done_count / self.needed_count


def required_modules(bundle: Bundle, local_ids: Sequence[str]) -> tuple[str, ...]:
    """The modules everyone on the bundle completes: its own required ones, then the organisation's local ones."""
    return bundle.modules + tuple(m for m in local_ids if m not in bundle.modules)


def module_count(bundle: Bundle, local_ids: Sequence[str] = ()) -> int:
    """How many modules completing the bundle takes: the required ones (the organisation's local modules
    among them) and as many of each choice group as it asks for.

    The one count every page shows: the catalogue, the dashboard and bundle page ("3 of 8 modules done"),
    the compliance list and the local modules page.
    """
    return len(required_modules(bundle, local_ids)) + sum(g.min for g in bundle.choice_groups)


def module_order(bundle: Bundle, local_ids: Sequence[str]) -> tuple[str, ...]:
    """Every module of an enrolment in the order shown: required, local, then the choices."""
    return required_modules(bundle, local_ids) + tuple(m for g in bundle.choice_groups for m in g.modules)


def evaluate(bundle: Bundle, local_ids: Sequence[str], done: Set[str], modules: Mapping[str, Module]) -> BundleState:
    """Where a person stands in a bundle given the modules they have done."""
    required = required_modules(bundle, local_ids)
    missing = tuple(m for m in required if m not in done)
    groups = tuple(GroupState(g, tuple(m for m in g.modules if m in done)) for g in bundle.choice_groups)
    counted = [m for m in module_order(bundle, local_ids) if m in done]
    reached = {s for m in counted if m in modules for s in modules[m].standards}
    covered = tuple(s for s in bundle.standards if s in reached)
    uncovered = tuple(s for s in bundle.standards if s not in reached)
    done_count = len(required) - len(missing) + sum(g.counted for g in groups)
    base = module_count(bundle, local_ids)
    state = BundleState(required, missing, groups, covered, uncovered, done_count, max(base, 1))
    if not state.complete and done_count >= base:
        # Choices made so far leave a claimed standard uncovered: at least one more module is needed.
        state = BundleState(required, missing, groups, covered, uncovered, done_count, done_count + 1)
    return state


def open_modules(bundle: Bundle, local_ids: Sequence[str], done: Set[str]) -> frozenset[str]:
    """Modules a person may work on now; a sequential bundle opens one required module at a time.

    In a sequential bundle the required modules (then the local ones) open in order, each once
    every one before it is done; the choice groups open once all required modules are done.
    Modules already done always stay open for revisiting.
    """
    order = module_order(bundle, local_ids)
    if not bundle.sequential:
        return frozenset(order)
    opened: set[str] = set()
    for module_id in required_modules(bundle, local_ids):
        opened.add(module_id)
        if module_id not in done:
            return frozenset(opened | (set(order) & done))
    return frozenset(order)


def next_module(bundle: Bundle, local_ids: Sequence[str], done: Set[str], modules: Mapping[str, Module],
                state: BundleState | None = None) -> str | None:
    """The module to suggest next: the first missing required one, else a choice that helps most.

    ``state`` is ``evaluate``'s answer for the same arguments, when the caller already has it.
    """
    state = state or evaluate(bundle, local_ids, done, modules)
    if state.complete:
        return None
    if state.missing:
        return state.missing[0]
    uncovered = set(state.uncovered)
    candidates = [
        m for g in state.groups for m in g.group.modules
        if m not in done and (not g.satisfied or uncovered & set(_standards(modules, m)))
    ]
    # Prefer a choice covering a standard still uncovered, rarest first: a standard only one
    # module covers has to be met by that module, so suggesting another would waste effort.
    offering = {s: sum(s in _standards(modules, m) for m in candidates) for s in uncovered}

    def rarity(module_id: str) -> int:
        return min((offering[s] for s in uncovered & set(_standards(modules, module_id))), default=len(candidates) + 1)

    return min(candidates, key=rarity) if candidates else None


def _standards(modules: Mapping[str, Module], module_id: str) -> tuple[str, ...]:
    module = modules.get(module_id)
    return module.standards if module else ()
