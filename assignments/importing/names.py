"""New names in a file that look like names the register already has: probably a typing error.

"Kulturförvaltnngen" is one letter from "Kulturförvaltningen"; the import would quietly create a
second organisation. A new organisation whose name is within a small edit distance of a known one
(or of a more common spelling in the same file), and a new manager (an e-mail the register does
not have) whose name is that close to a manager of the same organisation, is an error "menade du
…?" until the person confirms the new name.

The distance is Levenshtein's (insertions, deletions, substitutions) on lower-case names, as the
import matches names case-insensitively; no library for it is installed, and difflib's ratio is
no edit distance. Names that differ in their digits ("Förvaltning 1", "Förvaltning 2") are different names.
"""

import re
from collections import Counter
from dataclasses import dataclass

ORGANISATION = "organisation"
MANAGER = "manager"
DIGITS = re.compile(r"\d+")


def normalise(name: str) -> str:
    return name.strip().lower()


def max_distance(name: str) -> int:
    """How many edits still look like a typing error: none in a short name, one up to 11
    characters, two from 12 (a long administration's name)."""
    length = len(name)
    if length < 6:
        return 0
    return 1 if length < 12 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of `a` and `b`, or `limit + 1` as soon as it is known to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def similar(name: str, other: str) -> bool:
    """`name` differs from `other`, but by no more than a typing error."""
    a, b = normalise(name), normalise(other)
    if a == b or DIGITS.findall(a) != DIGITS.findall(b):
        return False
    limit = max_distance(min(a, b, key=len))
    return limit > 0 and edit_distance(a, b, limit) <= limit


def _deletes(name: str, count: int) -> set[str]:
    """`name` with up to `count` characters left out, every way."""
    found = frontier = {name}
    for _ in range(count):
        frontier = {word[:i] + word[i + 1 :] for word in frontier for i in range(len(word))}
        found = found | frontier
    return found


class NameIndex:
    """Names to look a new name up in, without comparing it with each of them: two names within
    `k` edits share a string made by leaving at most `k` characters out of each (symmetric
    deletion), so only the names sharing one are compared."""

    def __init__(self, names):
        self.names = list(dict.fromkeys(names))
        self.by_delete: dict[str, list[int]] = {}
        for index, name in enumerate(self.names):
            key = normalise(name)
            for variant in _deletes(key, max_distance(key)):
                self.by_delete.setdefault(variant, []).append(index)

    def closest(self, name: str) -> str | None:
        """The name `name` is most probably a misspelling of (the nearest; ties by order)."""
        return closest(name, self.candidates(name))

    def candidates(self, name: str) -> list[str]:
        """The names that may be within a typing error of `name` (to be checked with `similar`)."""
        key = normalise(name)
        found = set()
        for variant in _deletes(key, max_distance(key)):
            found.update(self.by_delete.get(variant, ()))
        return [self.names[index] for index in sorted(found)]


def closest(name: str, candidates) -> str | None:
    """The candidate `name` is most probably a misspelling of (the nearest; ties by order)."""
    best, best_distance = None, None
    a = normalise(name)
    for candidate in candidates:
        if not similar(name, candidate):
            continue
        b = normalise(candidate)
        distance = edit_distance(a, b, max_distance(min(a, b, key=len)))
        if best_distance is None or distance < best_distance:
            best, best_distance = candidate, distance
    return best


@dataclass(frozen=True)
class LookAlike:
    """A new name the file would create, and the existing one it looks like."""

    kind: str  # ORGANISATION or MANAGER
    name: str
    similar_to: str
    line: int  # the first line of the file that names it
    lines: int  # how many lines name it
    email: str = ""  # a manager's e-mail, the key the register finds managers by
    organisation: str = ""  # a manager's organisation

    @property
    def key(self) -> str:
        """What a confirmation names: the organisation's name, or the manager's e-mail."""
        return f"{self.kind}:{self.email or normalise(self.name)}"

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "name": self.name,
            "similar_to": self.similar_to,
            "line": self.line,
            "email": self.email,
            "organisation": self.organisation,
        }


def new_organisations(named: dict[str, list[int]], known: list[str]) -> list[LookAlike]:
    """Each new organisation name (name as first written → its lines) that looks like a known one,
    or like a name the file writes more often (the rarer spelling is the suspect one)."""
    known_keys = {normalise(name) for name in known}
    new = {name: lines for name, lines in named.items() if normalise(name) not in known_keys}
    known_index, new_index = NameIndex(known), NameIndex(new)
    found = []
    for name, lines in new.items():
        match = known_index.closest(name)
        if match is None:
            match = closest(
                name,
                [
                    other
                    for other in new_index.candidates(name)
                    if len(new[other]) > len(lines) or (len(new[other]) == len(lines) and new[other] < lines)
                ],
            )
        if match is not None:
            found.append(LookAlike(ORGANISATION, name, match, min(lines), len(lines)))
    return found


def new_managers(named: list[tuple[str, str, str, int]], known: dict[str, list[str]]) -> list[LookAlike]:
    """Each new manager (name, e-mail, organisation name, line) whose name looks like that of a
    manager the organisation already has (`known`: lower-case organisation name → manager names)."""
    first: dict[str, tuple[str, str, int]] = {}
    lines: Counter = Counter()
    for name, email, organisation, line in named:
        first.setdefault(email, (name, organisation, line))
        lines[email] += 1
    found = []
    for email, (name, organisation, line) in first.items():
        match = closest(name, known.get(normalise(organisation), []))
        if match is not None:
            found.append(LookAlike(MANAGER, name, match, line, lines[email], email, organisation))
    return found
