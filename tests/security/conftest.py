"""Fixtures of the reports' and engagements' tests, shared with the security tests."""

from tests.web.test_engagements import world  # noqa: F401
from tests.web.test_reports import figures, make_agreement  # noqa: F401
