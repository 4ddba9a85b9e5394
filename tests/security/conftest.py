"""The reports' agreement fixtures, shared with the security tests."""

from tests.web.test_reports import figures, make_agreement  # noqa: F401
