"""Prompt texts of the reasoning methods (cot, hrt, rpi, srm), read at run time by harness.methods.instructions.

The texts live in YAML files beside this module (package data) so they can be read, diffed and
edited without touching code; a package (not a bare folder) so setuptools ships them.
"""
