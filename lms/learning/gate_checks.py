"""Load-time checks of gates: every reference resolves, and every gate can be met by someone."""

from __future__ import annotations

from lms.catalog.registry import Bundle, Catalog
from lms.errors import Problem, display_path
from lms.learning.gates import VALID, Credential, HoldCertificate, Requirement, is_met, leaves
from lms.db import utcnow


def reference_problems(requirement: Requirement, catalog: Catalog, where: str, field: str,
                       own_bundle: str | None = None) -> list[Problem]:
    """Certificates must be issued by a loaded bundle (not the gated one itself); standards must exist."""
    problems = []
    for path, leaf in leaves(requirement, field):
        if isinstance(leaf, HoldCertificate):
            bundle = catalog.bundles.get(leaf.bundle_id)
            if bundle is None:
                problems.append(Problem(where, path, f"unknown bundle {leaf.bundle_id!r}"))
            elif bundle.certificate_template is None:
                problems.append(Problem(where, path, f"bundle {leaf.bundle_id!r} issues no certificate "
                                                     "(its bundle.toml has no [certificate] section)"))
            elif leaf.bundle_id == own_bundle:
                problems.append(Problem(where, path, "a bundle cannot require its own certificate"))
        elif leaf.standard_id not in catalog.standards:
            problems.append(Problem(where, path, f"unknown standard {leaf.standard_id!r}"))
        elif not any(leaf.standard_id in b.standards for b in catalog.bundles.values() if b.certificate_template):
            problems.append(Problem(where, path, f"no bundle's certificate records {leaf.standard_id}, "
                                                 "so no one could meet it"))
    return problems


def attainable_bundles(catalog: Catalog) -> set[str]:
    """Bundles someone starting with no certificates could eventually enrol on, one certificate at a time."""
    now = utcnow()
    reached: set[str] = set()
    while True:
        held = [Credential("certificate", b.id, b.title, VALID, now, standards=b.standards)
                for b in catalog.bundles.values() if b.id in reached and b.certificate_template]
        more = {b.id for b in catalog.bundles.values()
                if b.id not in reached and (b.requires is None or is_met(b.requires, held))}
        if not more:
            return reached
        reached |= more


def _where(bundle: Bundle) -> str:
    return display_path(bundle.path / "bundle.toml")


def bundle_gate_problems(catalog: Catalog) -> list[Problem]:
    """Every bundle's ``requires``: references first; only when those resolve, whether it can ever be met."""
    gated = [b for b in catalog.bundles.values() if b.requires is not None]
    problems = [p for b in gated for p in reference_problems(b.requires, catalog, _where(b), "requires", b.id)]
    problems += [Problem(_where(b), "auto_assign.new_joiners", "a gated bundle cannot be assigned to every new "
                                                               "joiner: new joiners hold no certificates yet")
                 for b in gated if b.auto_assign_new_joiners]
    if problems:
        return problems
    reached = attainable_bundles(catalog)
    return [
        Problem(_where(b), "requires", "can never be met: no one can earn the certificates it needs without first "
                                       "meeting it (bundles that require each other's certificates)")
        for b in gated if b.id not in reached
    ]

