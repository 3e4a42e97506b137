"""Refuse adapter ids and class prefixes that cannot name a Python package or class."""

import re
import sys

ADAPTER_ID = "{{ cookiecutter.adapter_id }}"
CLASS_PREFIX = "{{ cookiecutter.class_prefix }}"

if not re.fullmatch(r"[a-z][a-z0-9_]*", ADAPTER_ID):
    print(f"adapter_id {ADAPTER_ID!r} must be lower case letters, digits and '_'")
    sys.exit(1)
if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", CLASS_PREFIX):
    print(f"class_prefix {CLASS_PREFIX!r} must be a CamelCase identifier")
    sys.exit(1)
