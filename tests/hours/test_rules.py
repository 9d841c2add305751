"""The rules file: every rule well formed and sourced; the windows the statutes say."""

from __future__ import annotations

import pytest

from reconciler.hours import RULE_SETS, all_rules
from reconciler.hours.rules import rules_for


def test_every_rule_is_complete_and_sourced() -> None:
    rules = all_rules()
    assert len({rule.key for rule in rules}) == len(rules)
    for rule in rules:
        assert rule.rule_set in RULE_SETS
        assert rule.country in ("US", "CA")
        assert rule.citation and rule.label
        assert rule.source.startswith(("http://", "https://"))
        assert len(rule.windows) == 7
        for window in rule.windows:
            assert window is None or 0 <= window[0] < window[1] <= 24 * 60
        assert (rule.region is None) == (rule.rule_set != "us-states")


@pytest.mark.parametrize(
    ("key", "described"),
    [
        ("us-federal", "08:00-21:00"),
        ("us-fl", "08:00-20:00"),
        ("us-ok", "08:00-20:00"),
        ("us-md", "08:00-20:00"),
        ("us-wa", "08:00-20:00"),
        ("us-ri", "mon-fri 09:00-18:00, sat 10:00-17:00, sun none"),
        ("ca-crtc", "mon-fri 09:00-21:30, sat-sun 10:00-18:00"),
    ],
)
def test_windows(key: str, described: str) -> None:
    rule = next(rule for rule in all_rules() if rule.key == key)
    assert rule.describe() == described


def test_rhode_island_forbids_weekday_holidays() -> None:
    rule = next(rule for rule in all_rules() if rule.key == "us-ri")
    assert rule.holidays is not None
    assert rule.holidays.days == frozenset(range(5))


def test_rule_sets_select_rules() -> None:
    assert {rule.key for rule in rules_for(("ca-crtc",))} == {"ca-crtc"}
    assert {rule.rule_set for rule in rules_for(RULE_SETS)} == set(RULE_SETS)
    with pytest.raises(ValueError, match="unknown rule sets: us-moon"):
        rules_for(("us-moon",))
