"""Gates in manifests and advancement rules in settings: parsed, cross-checked, refused with file and field."""

from __future__ import annotations

import json

import pytest

from lms.app import create_app
from lms.config import DEFAULT_ADVANCEMENT_RULES
from lms.errors import ContentError
from lms.learning.advancement import SettingsError, parse_rules
from lms.learning.gates import AllOf, AnyOf, HoldCertificate, MeetStandard
from lms.plugins.discovery import PluginSet, make_plugin_manager
from lms.plugins.loader import load_catalog
from tests.conftest import FIXTURES, fixture_plugins


def load(plugins: PluginSet):
    return load_catalog(plugins, make_plugin_manager(plugins))


def problems_of(name: str) -> list[tuple[str, str, str]]:
    plugins = PluginSet.from_paths(FIXTURES / name / "bundles", [FIXTURES / "basic" / "modules"])
    with pytest.raises(ContentError) as caught:
        load(plugins)
    return [(p.file.rsplit("/", 2)[-2], p.field, p.message) for p in caught.value.problems]


def test_a_manifest_gate_is_carried_into_the_bundle():
    catalog = load(fixture_plugins("gated"))
    assert catalog.bundle("advanced").requires == AnyOf((HoldCertificate("electives"), MeetStandard("S-THREE")))
    assert catalog.bundle("capstone").requires == AllOf(
        (HoldCertificate("starter"), AnyOf((HoldCertificate("advanced"), HoldCertificate("electives")))))
    assert catalog.bundle("starter").requires is None


def test_bad_references_are_each_named_with_file_and_field():
    found = problems_of("gated_broken")
    assert ("bad-refs", "requires.all[0].certificate", "unknown bundle 'nowhere'") in found
    assert ("bad-refs", "requires.all[1].certificate",
            "bundle 'plain' issues no certificate (its bundle.toml has no [certificate] section)") in found
    assert ("bad-refs", "requires.all[2].standard", "unknown standard 'S-NOPE'") in found
    assert ("bad-refs", "requires.all[3].any[0].certificate", "a bundle cannot require its own certificate") in found
    assert ("bad-refs", "requires.all[3].any[1].standard",
            "no bundle's certificate records S-THREE, so no one could meet it") in found
    assert ("bad-refs", "auto_assign.new_joiners",
            "a gated bundle cannot be assigned to every new joiner: new joiners hold no certificates yet") in found


def test_malformed_gates_are_refused_by_the_schema():
    found = [(f, field, m) for f, field, m in problems_of("gated_broken") if f == "bad-shape"]
    assert found == [
        ("bad-shape", "requires.all[0]",
         "give exactly one of certificate, standard, all or any (found certificate and standard)"),
        ("bad-shape", "requires.all[1]", "give exactly one of certificate, standard, all or any"),
        ("bad-shape", "requires.all[2].any", "List should have at least 1 item after validation, not 0"),
        ("bad-shape", "requires.all[3].certficate", "unknown field (check the spelling)"),
    ]


def test_bundles_requiring_each_other_can_never_be_started():
    found = problems_of("gated_circle")
    assert sorted(f for f, _, _ in found) == ["chicken", "egg"]
    assert all(field == "requires" and message.startswith("can never be met") for _, field, message in found)


def rules_problems(raw) -> list[str]:  # noqa: ANN001
    _, problems = parse_rules(raw, load(fixture_plugins("gated")))
    return [str(p) for p in problems]


def test_advancement_rules_are_parsed_in_order():
    rules, problems = parse_rules({"band-8a": {"title": "Band 8a", "requires": {"certificate": "starter"}},
                                   "band-7": {"title": "Band 7", "requires": {"standard": "S-ONE"}}},
                                  load(fixture_plugins("gated")))
    assert problems == []
    assert list(rules) == ["band-8a", "band-7"]
    assert rules["band-8a"].requires == HoldCertificate("starter") and rules["band-8a"].title == "Band 8a"


@pytest.mark.parametrize(("raw", "expected"), [
    ({"band-8a": {"title": "Band 8a", "requires": {"certificate": "nowhere"}}},
     "ADVANCEMENT_RULES: band-8a.requires.certificate: unknown bundle 'nowhere'"),
    ({"band-8a": {"title": "Band 8a", "requires": {"all": [{"standard": "S-NOPE"}]}}},
     "ADVANCEMENT_RULES: band-8a.requires.all[0].standard: unknown standard 'S-NOPE'"),
    ({"band-8a": {"title": "Band 8a", "requires": {"certificate": "capstone"}}},
     "ADVANCEMENT_RULES: band-8a.requires.certificate: bundle 'capstone' issues no certificate "
     "(its bundle.toml has no [certificate] section)"),
    ({"band-8a": {"requires": {"certificate": "starter"}}}, "ADVANCEMENT_RULES: band-8a.title: Field required"),
    ({"band-8a": {"title": "Band 8a", "requires": {}}},
     "ADVANCEMENT_RULES: band-8a.requires: give exactly one of certificate, standard, all or any"),
    ({"band-8a": {"title": "Band 8a", "needs": {"certificate": "starter"}, "requires": {"certificate": "starter"}}},
     "ADVANCEMENT_RULES: band-8a.needs: unknown field (check the spelling)"),
    (["band-8a"], "ADVANCEMENT_RULES: must be a table of target ids, e.g. [advancement_rules.band-8a]"),
    ("{not json", "ADVANCEMENT_RULES: not valid JSON: Expecting property name enclosed in double quotes: "
                  "line 1 column 2 (char 1)"),
])
def test_bad_advancement_rules_are_named(raw, expected):
    assert expected in rules_problems(raw)


def test_a_bad_target_id_is_refused():
    problems = rules_problems({"Band 8A": {"title": "Band 8a", "requires": {"certificate": "starter"}}})
    assert len(problems) == 1 and problems[0].startswith("ADVANCEMENT_RULES: Band 8A.[key]: String should match pattern")


def test_the_app_refuses_to_start_with_bad_rules(test_config):
    config = {**test_config, "ADVANCEMENT_RULES": {"band-8a": {"title": "Band 8a", "requires": {"certificate": "nowhere"}}}}
    with pytest.raises(SettingsError, match=r"refusing to start: 1 problem\(s\) in the settings:\n"
                                            r"  - ADVANCEMENT_RULES: band-8a.requires.certificate: unknown bundle 'nowhere'"):
        create_app(config, plugins=fixture_plugins("gated"))


def test_rules_come_from_the_instance_file_and_the_environment(test_config, tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "lms.toml").write_text('[advancement_rules.band-8a]\ntitle = "Band 8a"\n'
                                       'requires = { any = [{ certificate = "starter" }, { standard = "S-ONE" }] }\n')
    config = {k: v for k, v in test_config.items() if k != "ADVANCEMENT_RULES"}
    app = create_app(config, plugins=fixture_plugins("gated"))
    assert app.extensions["lms.advancement"]["band-8a"].requires == AnyOf(
        (HoldCertificate("starter"), MeetStandard("S-ONE")))
    monkeypatch.setenv("LMS_ADVANCEMENT_RULES", json.dumps({"band-7": {"title": "Band 7",
                                                                       "requires": {"certificate": "electives"}}}))
    app = create_app(config, plugins=fixture_plugins("gated"))
    assert list(app.extensions["lms.advancement"]) == ["band-7"]


def test_the_default_rules_fit_the_shipped_content():
    _, problems = parse_rules(DEFAULT_ADVANCEMENT_RULES, load(PluginSet.discover()))
    assert problems == []
