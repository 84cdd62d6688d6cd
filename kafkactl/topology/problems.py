"""Every problem found in a topology, collected so all of them are reported at once.

Rule: schema errors read ``file:line:col: json.path: message``; semantic ones
``file:line: message``; problems are listed by file, then line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kafkactl.model import Location


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    text: str

    def __str__(self) -> str:
        if not self.file:
            return self.text
        if not self.line:
            return f"{self.file}: {self.text}"
        if not self.col:
            return f"{self.file}:{self.line}: {self.text}"
        return f"{self.file}:{self.line}:{self.col}: {self.text}"


@dataclass
class Problems:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, where: Location | None, text: str, col: int = 0) -> None:
        self.errors.append(_problem(where, text, col))

    def warn(self, where: Location | None, text: str) -> None:
        self.warnings.append(_problem(where, text, 0))

    def error_lines(self) -> tuple[str, ...]:
        return tuple(str(p) for p in sorted(set(self.errors)))

    def warning_lines(self) -> tuple[str, ...]:
        return tuple(str(p) for p in sorted(set(self.warnings)))


def _problem(where: Location | None, text: str, col: int) -> Problem:
    if where is None:
        return Problem("", 0, 0, text)
    return Problem(where.file, where.line, col, text)
