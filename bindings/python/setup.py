# SPDX-License-Identifier: BSD-3-Clause
# The metadata is in pyproject.toml; this file only hooks cffi's builder
# (hashmatch_build.py) into setuptools.
from setuptools import setup

setup(cffi_modules=["hashmatch_build.py:ffibuilder"])
