"""How a config key is declared once, read by its kind, and refused when unknown.

The table is the frozen dataclasses in sheets_sync/config.py: each field that is a key is declared
there with `setting(kind, default)` (a value) or `section(cls)` (a mapping of keys below it). That
one declaration gives the dataclass its field and default, `read` the kind that validates the value
(kinds.py; every message names the key path: `ranks.A.every: expected a whole number of days ...`),
and `key_tree` the known keys. `check_keys` refuses any other key, with a "did you mean", before any
value is read, so that `followup: {mdoe: send}` cannot quietly leave follow-ups in draft mode.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from sheets_sync.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
S = TypeVar("S", bound="DataclassInstance")

LEAF = None  # in key_tree: a value (its kind checks what is inside: `tabs`, `columns` map names)
ANY_NAME = "*"  # in key_tree: the keys here are names the team chooses (ranks), each with the keys below


@dataclass(frozen=True)
class At:
    """Where a value is read: its key path (for messages), the config file's folder (for relative
    paths), and the values of its section's keys read before it (for a check that needs one)."""

    path: str
    base_dir: Path
    earlier: Mapping[str, Any]

    def __str__(self) -> str:
        return self.path


# A kind reads a value the YAML gives (never None) into the config's value, or raises a ConfigError
# that names `at`. None from a kind means the default (an empty path).
Kind = Callable[[Any, At], T | None]
Check = Callable[[T, At], None]  # also run on the default: a check that involves another key


@dataclass(frozen=True)
class _Setting(Generic[T]):
    kind: Kind[T]
    key: str
    check: Check[T] | None
    names: type[DataclassInstance] | None


@dataclass(frozen=True)
class _Section(Generic[S]):
    cls: type[S]
    check: Check[S] | None


class _Required:
    """The default of a key that has none (a rank's every and grace)."""


_REQUIRED = _Required()
_DECLARED = "sheets_sync.config_key"  # the dataclass field's metadata key for its declaration
_MISSING = object()


def setting(
    kind: Kind[T],
    default: T | _Required = _REQUIRED,
    *,
    factory: Callable[[], T] | None = None,
    key: str = "",
    check: Check[T] | None = None,
    names: type[DataclassInstance] | None = None,
) -> T:
    """A dataclass field that is a config key read by `kind`, with `default` (or `factory`).

    `key` is its dotted path below the section when that is not the field's name ("from",
    "sleeping.after_days"); `names` says the keys below are names the team chooses, each with the
    keys of that section (ranks: RankRule).
    """
    metadata = {_DECLARED: _Setting(kind, key, check, names)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    if isinstance(default, _Required):
        return cast(T, dataclasses.field(metadata=metadata))
    return dataclasses.field(default=default, metadata=metadata)


def section(cls: type[S], *, check: Check[S] | None = None) -> S:
    """A dataclass field that is a mapping of the keys `cls` declares, named as the field."""
    return dataclasses.field(default_factory=cls, metadata={_DECLARED: _Section(cls, check)})


def required_keys(cls: type[DataclassInstance]) -> tuple[str, ...]:
    """The keys of `cls` declared without a default."""
    fields = dataclasses.fields(cls)
    return tuple(f.name for f in fields if f.default is f.default_factory is dataclasses.MISSING)


def _declared(field: dataclasses.Field[Any]) -> tuple[str, _Setting[Any] | _Section[Any]] | None:
    """The key `field` is declared as (its dotted path in the section) and how; None: not a key."""
    declared: _Setting[Any] | _Section[Any] | None = field.metadata.get(_DECLARED)
    if declared is None:
        return None
    return (declared.key if isinstance(declared, _Setting) else "") or field.name, declared


# --- reading ------------------------------------------------------------------------------


def read(cls: type[S], node: Any, where: str, base_dir: Path, base: S | None = None) -> S:
    """The section `cls` from `node`, the mapping at key path `where`, in the order it declares its keys.

    A key that is missing or null takes its default: `base`'s value when given (a rank's defaults),
    else the declared one, a relative path relative to `base_dir`.
    """
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if (found := _declared(field)) is None:  # not a key (Config.base_dir)
            if base is not None:
                values[field.name] = getattr(base, field.name)
            continue
        key, declared = found
        at = At(f"{where}.{key}" if where else key, base_dir, values)
        raw = _lookup(node, key, at)
        value: Any
        if isinstance(declared, _Section):
            value = read(declared.cls, {} if raw is _MISSING else raw, at.path, base_dir)
        else:
            value = None if raw is None or raw is _MISSING else declared.kind(raw, at)
            if value is None:
                value = _default(field, base, at)
        if declared.check is not None:
            declared.check(value, at)
        values[field.name] = value
    return cls(**values)


def _lookup(node: Any, key: str, at: At) -> Any:
    """The value at dotted `key` below `node`; _MISSING when a key on the way is absent."""
    for part in key.split("."):
        if not isinstance(node, dict):
            raise ConfigError(f"{at}: expected a mapping above this key.")
        node = node.get(part, _MISSING)
        if node is _MISSING:
            break
    return node


def _default(field: dataclasses.Field[Any], base: object | None, at: At) -> Any:
    if base is not None:
        return getattr(base, field.name)
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    if field.default is dataclasses.MISSING:
        raise ConfigError(f"{at}: required.")
    return at.base_dir / field.default if isinstance(field.default, Path) else field.default


# --- the known keys -----------------------------------------------------------------------


def key_tree(cls: type[DataclassInstance]) -> dict[str, Any]:
    """The keys `cls` declares, nested as in the YAML, in declaration order: a mapping for a
    section, LEAF for a value, {ANY_NAME: the keys of each} for names the team chooses."""
    tree: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if (found := _declared(field)) is None:
            continue
        key, declared = found
        *above, name = key.split(".")
        node = tree
        for part in above:
            node = node.setdefault(part, {})
        if isinstance(declared, _Section):
            node[name] = key_tree(declared.cls)
        else:
            node[name] = {ANY_NAME: key_tree(declared.names)} if declared.names else LEAF
    return tree


Refusal = Callable[[str, str, dict[str, Any]], str | None]


def check_keys(data: dict[str, Any], known: dict[str, Any], refuse: Refusal | None = None) -> None:
    """Raise ConfigError for the first key `known` does not have, naming its full path.

    `refuse(path, name, data)` may give a better message for an unknown key than "did you mean".
    """
    _check(data, known, "", data, refuse)


def _check(
    node: dict[Any, Any], known: dict[str, Any], where: str, data: dict[str, Any], refuse: Refusal | None
) -> None:
    for key, value in node.items():
        name = str(key)
        path = where + name
        if ANY_NAME in known:
            below = known[ANY_NAME]
        elif name in known:
            below = known[name]
        else:
            refused = refuse(path, name, data) if refuse else None
            raise ConfigError(refused or _unknown(path, name, known))
        if below is not LEAF and isinstance(value, dict):
            _check(
                value, below, path + ".", data, refuse
            )  # a value of the wrong shape is its kind's to report


def _unknown(path: str, name: str, known: dict[str, Any]) -> str:
    parent = path[: -len(name)]
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" Did you mean {parent}{close[0]}?" if close else ""
    where = f" in {parent[:-1]}" if parent else ""
    return f"{path}: unknown key.{hint} Known keys{where}: {', '.join(known)}."
