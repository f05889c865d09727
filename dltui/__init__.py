"""dltui: a terminal deep-learning lab. Importing the package is cheap; nothing heavy loads here."""

__version__ = "0.1.0"
