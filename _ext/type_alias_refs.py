"""Let the types of a signature link to the type aliases the API pages document.

autodoc turns every annotation of a signature into a ``py:class`` reference, and the
Python domain (Sphinx 7.4) finds a ``py:type`` object (``.. py:type:: At``) only with the
``py:type`` role, so ``at: At`` in the signature of :func:`covtut.data.split.origins_at` would
not link, and with ``-n`` would warn. This looks such a reference up again as a type
alias, in the same module context, before Sphinx gives up on it.
"""

from __future__ import annotations


def _type_alias(app, env, node, contnode):
    if node.get("refdomain") != "py" or node.get("reftype") != "class":
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(env, node.get("refdoc", ""), app.builder, "type",
                               node["reftarget"], node, contnode)


def setup(app):
    app.connect("missing-reference", _type_alias)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
