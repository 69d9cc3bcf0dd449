from typing import Any

class Hook:
    """builtins.__import__ or importlib.import_module while tracing, in C."""

    orig: Any
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
    ) -> None: ...
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def clear_cache(self) -> None: ...
