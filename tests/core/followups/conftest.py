"""The back office's staff accounts, for use cases a counsellor runs."""

from tests.channels.sms.conftest import (  # noqa: F401 - fixtures
    _sms_overrides,
    _twilio,
    _twilio_client,
    _twilio_phone,
    _twilio_services,
)
from tests.channels.telegram.conftest import _api, _ptb_timedelta, _webhook  # noqa: F401
from tests.web.admin.conftest import _fast_hashing, _staff  # noqa: F401 - fixtures
