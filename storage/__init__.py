"""Storage: SQLAlchemy 2 models, the one sessionmaker, queries and Alembic migrations."""
