"""Ojo's storage: SQLAlchemy 2 async models, Alembic migrations and repositories returning DTOs.

`db` builds engines and sessions and runs migrations; each repository module (`users`, `cache`,
`reports`, `audit`, `groups`, `false_alarms`, `moderation`, `patterns`, `stats`, `sightings`,
`settings_kv`) wraps one `AsyncSession` whose transaction the caller owns.
"""
