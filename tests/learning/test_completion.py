"""Bundle completion rules: required and local modules, choice groups, standards, sequential opening."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.catalog.registry import Bundle, ChoiceGroup, Module
from lms.learning.completion import evaluate, module_order, next_module, open_modules

STANDARDS = ("S-A", "S-B", "S-C", "S-D")


def module(module_id: str, standards=()) -> Module:
    return Module(module_id, "1.0.0", module_id, "summary", "national", None, tuple(standards), (), Path("."))


def bundle(required=(), groups=(), standards=(), sequential=False) -> Bundle:
    return Bundle(
        id="b", version="1.0.0", title="B", summary="s", description="d", audience="a", category="management",
        modules=tuple(required), choice_groups=tuple(groups), standards=tuple(standards), local_modules=True,
        auto_assign_new_joiners=False, auto_assign_due_days=30, sequential=sequential, path=Path("."),
    )


@st.composite
def contents(draw):
    """A valid bundle (every claimed standard covered by one of its modules) with its modules."""
    count = draw(st.integers(2, 9))
    ids = [f"m{i}" for i in range(count)]
    modules = {m: module(m, draw(st.sets(st.sampled_from(STANDARDS), max_size=2))) for m in ids}
    n_required = draw(st.integers(0, count))
    required, rest = ids[:n_required], ids[n_required:]
    groups = []
    while len(rest) >= 2 and draw(st.booleans()):
        size = draw(st.integers(2, len(rest)))
        members, rest = rest[:size], rest[size:]
        groups.append(ChoiceGroup(f"g{len(groups)}", "Group", draw(st.integers(1, size)), tuple(members)))
    if not required and not groups:
        required = ids[:1]
    in_bundle = required + [m for g in groups for m in g.modules]
    coverable = sorted({s for m in in_bundle for s in modules[m].standards})
    claimed = draw(st.lists(st.sampled_from(coverable), unique=True)) if coverable else []
    extra = draw(st.sets(st.sampled_from(rest), max_size=len(rest))) if rest else set()  # outside the bundle
    local = draw(st.lists(st.sampled_from(sorted(extra)), unique=True)) if extra else []
    return bundle(required, groups, claimed), modules, local


def oracle(b: Bundle, local, done, modules) -> bool:
    """The rule as written in the brief, independently of the implementation."""
    required = set(b.modules) | set(local)
    counted = (required | {m for g in b.choice_groups for m in g.modules}) & done
    return (required <= done and all(len(set(g.modules) & done) >= g.min for g in b.choice_groups)
            and set(b.standards) <= {s for m in counted for s in modules[m].standards})


def satisfying(b: Bundle, local, modules) -> set[str]:
    """All required and local modules, ``min`` of each group, then modules covering what is left."""
    done = set(b.modules) | set(local)
    for g in b.choice_groups:
        done |= set(g.modules[: g.min])
    for standard in b.standards:
        reached = {s for m in done for s in modules[m].standards}
        if standard not in reached:
            done.add(next(m for m in module_order(b, local) if standard in modules[m].standards))
    return done


@settings(max_examples=150, deadline=None)
@given(contents(), st.data())
def test_evaluate_agrees_with_the_rule_for_any_done_set(content, data):
    b, modules, local = content
    done = data.draw(st.sets(st.sampled_from(sorted(modules))))
    state = evaluate(b, local, done, modules)
    assert state.complete == oracle(b, local, done, modules)
    assert 0.0 <= state.fraction <= 1.0
    assert (state.fraction == 1.0) == state.complete


@settings(max_examples=100, deadline=None)
@given(contents())
def test_required_plus_minimum_choices_plus_coverage_completes(content):
    b, modules, local = content
    done = satisfying(b, local, modules)
    assert evaluate(b, local, done, modules).complete
    assert next_module(b, local, done, modules) is None


@settings(max_examples=100, deadline=None)
@given(contents(), st.data())
def test_removing_any_required_or_local_module_means_not_complete(content, data):
    b, modules, local = content
    required = list(b.modules) + list(local)
    if not required:
        return
    done = satisfying(b, local, modules)
    removed = data.draw(st.sampled_from(required))
    state = evaluate(b, local, done - {removed}, modules)
    assert not state.complete
    assert removed in state.missing


@settings(max_examples=100, deadline=None)
@given(contents(), st.data())
def test_a_group_below_its_minimum_means_not_complete(content, data):
    b, modules, local = content
    if not b.choice_groups:
        return
    group = data.draw(st.sampled_from(b.choice_groups))
    done = satisfying(b, local, modules) | set(group.modules)
    keep = data.draw(st.integers(0, group.min - 1))
    done = (done - set(group.modules)) | set(group.modules[:keep])
    assert not evaluate(b, local, done, modules).complete


@settings(max_examples=100, deadline=None)
@given(contents(), st.data())
def test_doing_more_never_undoes_completion(content, data):
    b, modules, local = content
    done = satisfying(b, local, modules) | data.draw(st.sets(st.sampled_from(sorted(modules))))
    assert evaluate(b, local, done, modules).complete


@settings(max_examples=100, deadline=None)
@given(contents(), st.data())
def test_next_module_is_always_one_still_to_do_in_the_bundle(content, data):
    b, modules, local = content
    done = data.draw(st.sets(st.sampled_from(sorted(modules))))
    suggestion = next_module(b, local, done, modules)
    assert next_module(b, local, done, modules, evaluate(b, local, done, modules)) == suggestion  # given the state
    if evaluate(b, local, done, modules).complete:
        assert suggestion is None
    else:
        assert suggestion is not None
        assert suggestion not in done and suggestion in module_order(b, local)
        # Doing it makes progress: the state after is strictly closer to complete.
        before = evaluate(b, local, done, modules)
        after = evaluate(b, local, done | {suggestion}, modules)
        assert (after.done_count, -len(after.uncovered)) > (before.done_count, -len(before.uncovered))


def test_choice_group_needs_its_minimum_and_extra_choices_do_not_count_twice():
    modules = {m: module(m) for m in ("core", "x", "y", "z")}
    b = bundle(["core"], [ChoiceGroup("g", "Choose two", 2, ("x", "y", "z"))])
    assert not evaluate(b, [], {"core", "x"}, modules).complete
    state = evaluate(b, [], {"core", "x", "y", "z"}, modules)
    assert state.complete and state.done_count == 3 and state.needed_count == 3


def test_claimed_standard_needs_the_module_that_covers_it():
    """Like the 'electives' fixture: two choices satisfy the group but leave S-C uncovered."""
    modules = {"core": module("core", ["S-A"]), "x": module("x", ["S-B"]), "y": module("y", ["S-B"]),
               "z": module("z", ["S-C"])}
    b = bundle(["core"], [ChoiceGroup("g", "Choose two", 2, ("x", "y", "z"))], ["S-A", "S-B", "S-C"])
    state = evaluate(b, [], {"core", "x", "y"}, modules)
    assert not state.complete and state.uncovered == ("S-C",)
    assert state.fraction < 1.0  # the bar never shows full while something is still to do
    assert next_module(b, [], {"core", "x", "y"}, modules) == "z"
    assert evaluate(b, [], {"core", "x", "z"}, modules).complete


def test_standards_of_modules_outside_the_bundle_do_not_count():
    modules = {"core": module("core", ["S-A"]), "other": module("other", ["S-B"]), "cover": module("cover", ["S-B"])}
    b = bundle(["core"], [ChoiceGroup("g", "Choose one", 1, ("cover", "core2"))], ["S-A", "S-B"])
    modules["core2"] = module("core2")
    assert not evaluate(b, [], {"core", "core2", "other"}, modules).complete


def test_local_modules_are_required_like_the_bundle_s_own():
    modules = {m: module(m) for m in ("core", "local")}
    b = bundle(["core"])
    assert not evaluate(b, ["local"], {"core"}, modules).complete
    assert evaluate(b, ["local"], {"core", "local"}, modules).complete
    assert module_order(b, ["local"]) == ("core", "local")


def test_sequential_bundle_opens_one_required_module_at_a_time():
    b = bundle(["one", "two", "three"], [ChoiceGroup("g", "Choose one", 1, ("x", "y"))], sequential=True)
    assert open_modules(b, ["local"], set()) == {"one"}
    assert open_modules(b, ["local"], {"one"}) == {"one", "two"}
    assert open_modules(b, ["local"], {"one", "two", "three"}) == {"one", "two", "three", "local"}
    assert open_modules(b, ["local"], {"one", "two", "three", "local"}) == {"one", "two", "three", "local", "x", "y"}
    # A module done elsewhere stays open even when the ones before it are not done here.
    assert open_modules(b, [], {"three"}) == {"one", "three"}


def test_non_sequential_bundle_opens_everything():
    b = bundle(["one", "two"], [ChoiceGroup("g", "Choose one", 1, ("x", "y"))])
    assert open_modules(b, ["local"], set()) == {"one", "two", "local", "x", "y"}
