"""The back office's staff accounts, for use cases a counsellor runs."""

from tests.web.admin.conftest import _fast_hashing, _staff  # noqa: F401 - fixtures
