"""Serving a class: the app over SSH (`dltui serve ssh`) or in browser tabs (`dltui serve web`), one process per
learner, each learner's progress under their own name in one shared file. Nothing here is imported when the app
starts; asyncssh and textual-serve are imported only by the command that serves."""
