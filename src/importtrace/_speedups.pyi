from types import CodeType
from typing import Any

def line_of(code: CodeType, lasti: int) -> int: ...
def line_table(code: CodeType) -> tuple[list[int], list[int | None]]: ...
def untrack(record: object) -> None: ...

class Hook:
    """builtins.__import__ or importlib.import_module while tracing, in C."""

    orig: Any
    fast_hits: int
    def __init__(
        self,
        orig: Any,
        prepare: Any,
        finish: Any,
        fallback: Any,
        sites: dict[Any, Any],
        loading: dict[str, int],
        modules: dict[str, Any],
        hit_type: type,
        import_module: bool = ...,
        *,
        events: list[Any] = ...,
        stacks: dict[int, list[Any]] = ...,
        thread_names: dict[int, Any] = ...,
        machinery: dict[str, bool] = ...,
        ids: Any = ...,
        clock: Any = ...,
        many_sites: int = ...,
    ) -> None: ...
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def clear_cache(self) -> None: ...
    def set_active(self, flag: bool) -> None: ...
    def set_fast(self, flag: bool) -> None: ...
