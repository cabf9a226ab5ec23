"""Helpers of the book's pages: one look for every figure, numbers glued into the prose, tables.

Arrays in, figures and text out; imports at most :mod:`covtut.core`.
"""
