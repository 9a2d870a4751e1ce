"""JSON API for other tools (bearer tokens from ``outreach-bot api-token create``)."""
