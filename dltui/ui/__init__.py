"""The Textual app: screens, widgets, one view per lab. Nothing here is imported by the engine or labs."""
