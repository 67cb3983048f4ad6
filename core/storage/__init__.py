"""The only package that imports SQLAlchemy. Importing it declares every table on one
metadata (`metadata`): the core's, and the one module of tables for each platform."""

from core.storage import slack, tables

metadata = tables.Base.metadata

__all__ = ["metadata", "slack"]
