"""Allow ``python -m outreach_bot``."""

from outreach_bot.cli import main

raise SystemExit(main())
