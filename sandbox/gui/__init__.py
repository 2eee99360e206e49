"""The desktop editor and viewer: the only package that imports PySide6 or pyqtgraph."""
