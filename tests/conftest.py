"""Test configuration shared by every test: Qt runs offscreen unless a display is asked for."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
