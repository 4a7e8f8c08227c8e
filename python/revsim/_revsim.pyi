# Type stubs of the Rust extension module (python/src/lib.rs).
from os import PathLike
from typing import Any, Mapping, Optional, Union

__version__: str
RESULTS_VERSION: int

class RevsimError(Exception):
    file: str
    line: Optional[int]
    column: Optional[int]
    key: Optional[str]
    message: str
    help: list[str]
    no_answer: bool

class Scenario:
    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def overrides(self) -> list[str]: ...
    @property
    def trials(self) -> int: ...
    @property
    def seed(self) -> int: ...
    def _run(
        self,
        trials: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> dict[str, Any]: ...

def load(path: Union[str, PathLike[str]], set: Optional[Mapping[str, Any]] = None) -> Scenario: ...
def _cli(args: list[str]) -> None: ...
