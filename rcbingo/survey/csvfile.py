"""Survey responses from CSV text, and the scored figures of a CSV file.

One row per respondent and rated workgroup, with the columns `respondent`, `rater_workgroup`,
`target_workgroup` and one column per dimension key, holding 1–5 or blank when unanswered.
Header names are read without regard to case or surrounding spaces.

Bad data never raises: each problem is reported in plain words with its line number, and the reader goes on.
Only text without a usable header (empty, or a first row naming none of the columns) raises HeaderError.
Problems quote cells and respondent ids, so they are for whoever holds the file, not for publication.
"""

import csv
import io
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from ..rc import DIMENSION_KEYS
from .rules import DEFAULT_MIN_RESPONDENTS, Response, as_json, score

ID_COLUMNS = ("respondent", "rater_workgroup", "target_workgroup")
ANSWERS = {str(n): n for n in range(1, 6)}


class HeaderError(ValueError):
    """The text has no usable header row."""


@dataclass(frozen=True)
class Problem:
    """Something wrong on one line of the file, and what was done about it."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def read_responses(text: str, workgroups: Collection[str] | None = None) -> tuple[list[Response], list[Problem]]:
    """The responses in CSV text, and the problems found on the way (rows or cells that were left out).
    With `workgroups`, a row naming any other rater or rated workgroup is a problem."""
    problems: list[Problem] = []
    records = _records(text.removeprefix("\ufeff"), problems)
    header_line, header = next(((line, cells) for line, cells in records if any(cells)), (0, []))
    if not header:
        raise HeaderError("the file is empty: expected a header row naming its columns")
    names = [cell.lower() for cell in header]
    known = {*ID_COLUMNS, *DIMENSION_KEYS}
    if not known & set(names):
        raise HeaderError(
            f"line {header_line}: the first row names none of the columns "
            f"({', '.join(ID_COLUMNS)}, and one per dimension: {', '.join(DIMENSION_KEYS)})"
        )

    def problem(line: int, message: str) -> None:
        problems.append(Problem(line, message))

    columns: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            continue
        if name in columns:
            problem(header_line, f"column {name!r} appears twice; only the first one is read")
        elif name not in known:
            expected = ", ".join(DIMENSION_KEYS)
            problem(header_line,
                    f"unknown column {_short(header[position])} is ignored; dimension columns are {expected}")
        else:
            columns[name] = position
    missing = [name for name in ID_COLUMNS if name not in columns]
    for name in missing:
        problem(header_line, f"missing column {name!r}: no row can be read without it")
    for name in DIMENSION_KEYS:
        if name not in columns:
            problem(header_line, f"missing column {name!r}: that dimension counts as unanswered in every row")
    if missing:
        return [], problems

    unnamed = [position for position, name in enumerate(names) if not name]
    responses: list[Response] = []
    workgroup_of: dict[str, tuple[str, int]] = {}
    rated_on: dict[tuple[str, str], int] = {}
    for line, cells in records:
        if not any(cells):
            continue
        if len(cells) != len(names) and (len(cells) < len(names) or any(cells[len(names) :])):
            problem(line, f"the row has {len(cells)} cells where the header has {len(names)}; the row is left out")
            continue
        respondent, rater, target = (cells[columns[name]] for name in ID_COLUMNS)
        empty = [name for name in ID_COLUMNS if not cells[columns[name]]]
        if empty:
            problem(line, f"empty {' and '.join(empty)}; the row is left out")
            continue
        strangers = [name for name in (rater, target) if workgroups is not None and name not in workgroups]
        if strangers:
            problem(line, f"{_short(strangers[0])} is not a workgroup of this wave (its workgroups: "
                          f"{', '.join(sorted(workgroups))}); the row is left out")
            continue
        first_workgroup, first_line = workgroup_of.setdefault(respondent, (rater, line))
        if first_workgroup != rater:
            problem(
                line,
                f"respondent {_short(respondent)} is in workgroup {_short(first_workgroup)} on line {first_line}, "
                f"not {_short(rater)}; the row is left out",
            )
            continue
        if (respondent, target) in rated_on:
            problem(
                line,
                f"respondent {_short(respondent)} already rated {_short(target)} on line "
                f"{rated_on[respondent, target]}; the row is left out",
            )
            continue
        rated_on[respondent, target] = line
        for position in unnamed:
            if cells[position]:
                problem(line, f"{_short(cells[position])} in column {position + 1}, which has no header, is ignored")
        answers: dict[str, int | None] = {}
        for name in DIMENSION_KEYS:
            cell = cells[columns[name]] if name in columns else ""
            answers[name] = ANSWERS.get(cell)
            if cell and answers[name] is None:
                problem(line, f"{name} is {_short(cell)}, not a whole number from 1 to 5; it counts as unanswered")
        responses.append(Response(respondent, rater, target, answers))
    if not responses and not problems:
        problem(header_line, "the file has no responses, only its header row")
    return responses, problems


def score_csv(text: str, min_respondents: int = DEFAULT_MIN_RESPONDENTS) -> dict:
    """The JSON-ready figures of a CSV file (see rules.as_json), with "problems": [{"line", "problem"}, …].
    Raises HeaderError without a usable header, ValueError when min_respondents is below 3."""
    responses, problems = read_responses(text)
    report = as_json(score(responses, min_respondents))
    report["problems"] = [{"line": p.line, "problem": p.message} for p in problems]
    return report


def _short(cell: str, most: int = 60) -> str:
    """A cell quoted for a problem, cut to `most` characters so that one long cell keeps the message readable."""
    return repr(cell if len(cell) <= most else cell[:most] + "…")


def _records(text: str, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on, cells stripped; a file the csv module cannot read further
    is reported as a problem and ends there."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(Problem(line, f"the file cannot be read from here on ({error})"))
            return
        yield line, [cell.strip() for cell in cells]
        line = reader.line_num + 1
