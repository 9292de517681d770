"""The repository folder gateway/ and the package gateway/gateway/ share a name.

pytest (--import-mode=importlib) imports this file as ``gateway.tests.conftest``
and first makes a namespace module ``gateway`` out of the folder, which would
hide the package from every test here. Import the real package in its place.
"""
import importlib
import sys

if getattr(sys.modules.get("gateway"), "__file__", None) is None:
    sys.modules.pop("gateway", None)
    importlib.import_module("gateway")
