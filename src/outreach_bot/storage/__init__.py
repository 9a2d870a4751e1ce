"""The database: SQLAlchemy models, sessions, field encryption and Alembic migrations.

Nothing here opens a transaction on its own: ``core`` does. ``crypto`` encrypts personal
fields at rest; ``migrate`` brings a database to the newest schema.

May import ``domain`` and ``config`` only.
"""
