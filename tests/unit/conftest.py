"""Unit-test configuration.

This file's folder is put on ``sys.path`` by pytest (a conftest outside any package), which is what
lets every unit test module ``import strategies``, the Hypothesis strategies they share.
"""
