"""config.example.yaml against the table in sheets_sync/config.py, both ways: every key the example
holds is declared, and every declared key is documented there (or listed in UNDOCUMENTED, with why)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sheets_sync.config import KEYS, RankRule, load_config
from sheets_sync.settings.keys import ANY_NAME, LEAF, key_tree

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.yaml"
RANK = "<rank>"  # a name the team chooses (ranks.A, ranks.Gold): its keys are each rank's keys

# Declared keys that config.example.yaml leaves out on purpose: key path -> the reason.
UNDOCUMENTED: dict[str, str] = {}


def declared(tree: dict = KEYS, where: str = "") -> set[str]:
    """Every key path the table declares: sections and values, a rank's keys under ranks.<rank>."""
    found = set()
    for key, below in tree.items():
        path = where + (RANK if key == ANY_NAME else key)
        found.add(path)
        if below is not LEAF:
            found |= declared(below, path + ".")
    return found


def documented(node: dict, tree: dict | None = KEYS, where: str = "") -> set[str]:
    """Every key path the example holds, read as the table reads it: the names below a value (the
    tab names in `tabs`) are not keys. Below a key the table does not know (tree None), all are keys."""
    found = set()
    for key, value in node.items():
        if tree is not None and ANY_NAME in tree:
            path, below = where + RANK, tree[ANY_NAME]
        else:
            path, below = where + str(key), (tree or {}).get(key, _UNDECLARED)
        found.add(path)
        if below is not LEAF and isinstance(value, dict):
            found |= documented(value, None if below is _UNDECLARED else below, path + ".")
    return found


_UNDECLARED = object()


@pytest.fixture(scope="module")
def example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def test_every_key_in_the_example_is_declared(example):
    assert documented(example) - declared() == set(), (
        "config.example.yaml holds keys config.py does not declare"
    )


def test_every_declared_key_is_documented_in_the_example(example):
    missing = declared() - documented(example) - set(UNDOCUMENTED)
    assert not missing, (
        f"config.example.yaml does not document {sorted(missing)}: add each with its default "
        "and a comment, or list it in UNDOCUMENTED with the reason"
    )


def test_the_undocumented_keys_are_declared_and_really_left_out(example):
    assert set(UNDOCUMENTED) <= declared()
    assert not set(UNDOCUMENTED) & documented(example)
    assert all(reason.strip() for reason in UNDOCUMENTED.values())


def test_each_rank_in_the_example_gives_every_key_of_a_rank(example):
    assert example["ranks"] and all(
        set(rank) == set(key_tree(RankRule)) for rank in example["ranks"].values()
    )


def test_the_example_loads():
    assert load_config(EXAMPLE).source.path == EXAMPLE.parent / "partners.xlsx"


def test_a_key_missing_from_the_example_or_unknown_to_the_table_is_found(example):
    """The two walks above see what they should: a key dropped from the example, one added to it."""
    trimmed = {**example, "mail": {k: v for k, v in example["mail"].items() if k != "smtp"}}
    assert {"mail.smtp", "mail.smtp.host"} <= declared() - documented(trimmed)
    extra = {**example, "colour": "blue", "digest": {**example["digest"], "time": {"hour": 8}}}
    assert documented(extra) - declared() == {"colour", "digest.time", "digest.time.hour"}
    assert "ranks.<rank>.every" in documented(example) and "tabs.Partners" not in documented(
        {"tabs": {"Partners": "P"}}
    )
