"""eggs imports ham before it has defined SPAM."""

print("eggs: start")
import ham  # noqa: E402  ham imports eggs back while this file is still running

SPAM = "spam"


def serve() -> str:
    return ham.cook()


print("eggs: end")
