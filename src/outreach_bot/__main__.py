"""Allow ``python -m outreach_bot``."""

from outreach_bot.entry import main

raise SystemExit(main())
