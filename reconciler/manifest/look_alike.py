"""Campaign names that read as one: a warning, as two campaigns would look alike.

Dograh's list and every plan show campaigns by name; two manifests whose names differ
only in case, Unicode form or confusable characters (UTS #39) are two campaigns that
nobody can tell apart there. Said once the manifests' identities are gathered
(identity.py ``duplicates``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.diagnostics import Diagnostic
from reconciler.manifest.characters import code_point, loose_key
from reconciler.manifest.confusables import skeleton
from reconciler.manifest.located import Located


def look_alike(named: Mapping[str, Sequence[Located]]) -> list[Diagnostic]:
    """Names that read as one are two campaigns that look alike in every plan and in
    Dograh's list: a warning at each place, naming the others. Alike: equal but for case
    or Unicode compatibility form (``East``, ``east``, its full-width form), or of equal
    UTS #39 confusable skeletons (``Spring East`` with a Cyrillic E, U+0415), of the names as
    written or case-folded."""
    groups = _alike_groups({name for name, places in named.items() if places})
    found: list[Diagnostic] = []
    for group in groups:
        places = [(name, identity) for name in sorted(group) for identity in named[name]]
        for name, identity in places:
            others = [(other, where) for other, where in places if other != name]
            shown = ", ".join(
                f"'{other}' at {where.where('metadata.name')}" for other, where in others
            )
            if all(loose_key(other) == loose_key(name) for other, _ in others):
                how = f"differs only in case or Unicode form from {shown}"
            else:
                how = f"looks like {shown}{_confusable_detail(name, others[0][0])}"
            message = (
                f"the campaign name '{name}' {how}: the campaigns would look alike in plans and "
                "in Dograh; rename one"
            )
            found.append(identity.diagnostic("metadata.name", message, "warning"))
    return found


def _alike_groups(names: set[str]) -> list[set[str]]:
    """The names that look alike, in groups of two or more (a name joins a group by any
    of its keys)."""
    if len(names) < 2:
        return []
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for key in (loose_key, skeleton, lambda name: skeleton(loose_key(name))):
        first: dict[str, str] = {}
        for name in sorted(names):
            seen = first.setdefault(key(name), name)
            parent[root(name)] = root(seen)
    groups: dict[str, set[str]] = {}
    for name in names:
        groups.setdefault(root(name), set()).add(name)
    return [group for group in groups.values() if len(group) > 1]


def _confusable_detail(name: str, other: str) -> str:
    """`` (character 8, U+0415 CYRILLIC CAPITAL LETTER IE, looks like U+0045 LATIN
    CAPITAL LETTER E)``: the first place where two names of one length differ."""
    if len(name) != len(other):
        return " (Unicode confusables, UTS #39)"
    index, mine, theirs = next(
        (i, a, b) for i, (a, b) in enumerate(zip(name, other, strict=True)) if a != b
    )
    return (
        f" (character {index + 1}, {code_point(mine)}, looks like {code_point(theirs)}: "
        "Unicode confusables, UTS #39)"
    )
