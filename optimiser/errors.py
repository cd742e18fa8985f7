"""Errors a user can act on, each with the process exit code the CLI returns.

| exit | error                | meaning                                                        |
|------|----------------------|----------------------------------------------------------------|
| 0    |                      | solved to optimality (within the MIP gap), outputs written     |
| 2    | ScenarioError        | bad input (scenario, series, CSV, CLI option) or unusable --out|
| 3    | InfeasibleError      | no schedule satisfies the constraints; message names them      |
| 4    | SolverError          | solver failure or time limit (outputs kept if a schedule exists)|
| 5    | SolutionCheckError   | the independent post-solve check found a violation             |
| 6    | StoreError           | state store busy (another job holds its lock) or unreachable   |
| 7    | RelaxedError         | day-ahead/intraday: infeasible as given; a schedule with the    |
|      |                      | hard rules priced was stored, flagged with each rule's miss    |
| 130  | (Ctrl-C)             | interrupted; nothing written                                   |
"""

from __future__ import annotations


class ParkDispatchError(Exception):
    """Base class: an error the CLI reports in one message, without a traceback."""

    exit_code = 1


class ScenarioError(ParkDispatchError):
    """Bad input, reported before any model is built."""

    exit_code = 2


class InfeasibleError(ParkDispatchError):
    """The constraints cannot all hold; ``families`` names the constraint families involved."""

    exit_code = 3

    def __init__(self, message: str, families: list[str] | None = None):
        super().__init__(message)
        self.families = families or []


class SolverError(ParkDispatchError):
    """HiGHS failed, or stopped at its time limit."""

    exit_code = 4


class SolutionCheckError(ParkDispatchError):
    """A reported optimum failed the independent check (balance, state of charge, bounds)."""

    exit_code = 5


class RelaxedError(ParkDispatchError):
    """Infeasible as given: the daily job stored a schedule with its hard rules relaxed (priced, flagged)."""

    exit_code = 7
