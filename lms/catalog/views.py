"""The catalogue of bundles, each bundle's details, images inside module folders, and the accessibility statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from lms import db
from lms.api import catalog
from lms.auth.principal import current_person
from lms.catalog.registry import Bundle, Catalog, Module
from lms.catalog.search import LENGTHS, matches, read_filters
from lms.kinds.lesson import IMAGE_SUFFIXES
from lms.learning.completion import module_count, required_modules
from lms.learning.services import enrolled_bundle_ids, local_modules_of
from lms.plugins.manifest import AUDIENCE_GROUPS

bp = Blueprint("catalog", __name__)

CATEGORY_TITLES = {
    "induction": "Induction for new joiners",
    "mid-career": "Mid-career programme",
    "management": "Management training",
}


@dataclass(frozen=True)
class BundleFacts:
    """What the catalogue says about a bundle besides its manifest: size and time."""

    bundle: Bundle
    module_count: int  # modules a person completes: the required ones, local ones and the choices asked for
    minutes: int  # estimated time of those modules (the quickest choices in each group)
    local_modules: tuple[str, ...] = ()  # the reader's organisation's own modules in it


def facts(content: Catalog, bundle: Bundle, local_ids: Sequence[str] = ()) -> BundleFacts:
    """Counting the organisation's local modules the reader would complete too (none for a visitor)."""
    minutes = sum(content.modules[m].estimated_minutes for m in required_modules(bundle, local_ids))
    for group in bundle.choice_groups:
        minutes += sum(sorted(content.modules[m].estimated_minutes for m in group.modules)[: group.min])
    local = tuple(m for m in required_modules(bundle, local_ids) if m not in bundle.modules)
    return BundleFacts(bundle, module_count(bundle, local_ids), minutes, local)


def _facts(content: Catalog, bundle: Bundle) -> BundleFacts:
    """A bundle's facts for whoever reads the page: with their local modules, as their dashboard counts them."""
    person = current_person()
    if not person.is_authenticated or not bundle.local_modules:
        return facts(content, bundle)
    return facts(content, bundle, local_modules_of(db.session(), person.id, person.organisation_id, bundle))


def _enrolments() -> dict[str, str]:
    if not current_user.is_authenticated:
        return {}
    return enrolled_bundle_ids(db.session(), current_user.id)


@dataclass(frozen=True)
class Gate:
    """What a gated bundle asks for, and for a signed-in person what they still lack."""

    requirement: str  # in words, e.g. "a valid Core management certificate"
    missing: tuple[str, ...] | None  # None when nobody is signed in
    ways: tuple[tuple[str, str], ...] = ()  # bundles (id, title) whose certificates meet what is missing


def _gates(bundles: list[Bundle], enrolled: dict[str, str]) -> dict[str, Gate]:
    """Gates of the bundles shown; credentials are asked of plugins once, and only if a bundle is gated."""
    gated = [b for b in bundles if b.requires is not None and b.id not in enrolled]
    if not gated:
        return {}
    from lms.learning.eligibility import credentials_of, names, requirement_text
    from lms.learning.gates import check

    held = credentials_of(db.session(), current_user.id) if current_user.is_authenticated else None
    gates = {}
    for b in gated:
        result = None if held is None else check(b.requires, held, names())
        gates[b.id] = Gate(requirement_text(b), result and result.missing, result.ways if result else ())
    return gates


@bp.route("/catalogue")
def index() -> str:
    """The catalogue, searched and filtered by a GET form (works without JavaScript; see lms.catalog.search)."""
    content = catalog()
    present = list(dict.fromkeys(b.category for b in content.bundles.values()))
    filters = read_filters(request.args, content, present)
    # Bundles are already in display order (by category, then title).
    shown = [f for f in (_facts(content, b) for b in content.bundles.values())
             if matches(filters, f.bundle, f.minutes, content)]
    categories = [(CATEGORY_TITLES.get(category, category.capitalize()), list(entries))
                  for category, entries in groupby(shown, key=lambda f: f.bundle.category)]
    enrolled = _enrolments()
    used = {s for b in content.bundles.values() for s in b.standards}
    choices = {
        "category": [(c, CATEGORY_TITLES.get(c, c.capitalize())) for c in present],
        "audience": [(a, t) for a, t in AUDIENCE_GROUPS.items() if any(a in b.audiences for b in content.bundles.values())],
        "length": [(value, label) for value, label, _ in LENGTHS],
        "standard": [(s.id, s.title) for s in content.standards.values() if s.id in used],
    }
    title = "Catalogue of training" + (": search results" if filters.active else "")
    return render_template("catalog/index.html", title=title, categories=categories, found=len(shown),
                           filters=filters, choices=choices, enrolled=enrolled,
                           gates=_gates([f.bundle for f in shown], enrolled))


@bp.route("/catalogue/<bundle_id>")
def bundle(bundle_id: str) -> str:
    content = catalog()
    found = content.bundle(bundle_id)
    enrolled = _enrolments()
    return render_template(
        "catalog/bundle.html", title=found.title, facts=_facts(content, found), modules=content.modules,
        standards=[content.standards[s] for s in found.standards if s in content.standards],
        category=CATEGORY_TITLES.get(found.category, found.category), enrolment_status=enrolled.get(found.id),
        gate=_gates([found], enrolled).get(found.id),
    )


@bp.route("/content/<module_id>/<path:path>")
def content_file(module_id: str, path: str) -> Response:
    """An image from inside a module's folder; anything else, or anything outside it, is not found."""
    module: Module | None = catalog().modules.get(module_id)
    if module is None or "." + path.rsplit(".", 1)[-1].lower() not in IMAGE_SUFFIXES:
        abort(404)
    joined = safe_join(str(module.path), path)
    target = Path(joined).resolve() if joined else None
    # resolve() follows symbolic links, so a link pointing out of the folder is refused too.
    if target is None or not target.is_relative_to(module.path.resolve()) or not target.is_file():
        abort(404)
    response = send_file(target, max_age=3600)
    # An SVG opened on its own is a document: let it run nothing and load nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"
    return response


@bp.route("/accessibility")
def accessibility() -> str:
    return render_template("catalog/accessibility.html", title="Accessibility statement")
