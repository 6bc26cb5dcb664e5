"""The text core: plain Python, no Django.

Strings and dataclasses in, strings and dataclasses out.
"""
