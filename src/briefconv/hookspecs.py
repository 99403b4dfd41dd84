"""The hooks a briefconv plugin can implement.

A plugin is a module (or any object) with functions marked ``@briefconv.hookimpl``
whose names match the specifications below.  The built-in formats are plugins of
exactly this kind; third-party ones are found through the ``briefconv`` entry-point
group.  Each hook receives a ``register`` callable and calls it once per thing it
provides, so one plugin can provide many formats or filters (the pattern of llm's
``register_models``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pluggy

if TYPE_CHECKING:
    from briefconv.plugins import Filter, Format

hookspec = pluggy.HookspecMarker("briefconv")
hookimpl = pluggy.HookimplMarker("briefconv")


@hookspec
def briefconv_register_formats(register: Callable[[Format], None]) -> None:
    """Provide formats: call ``register(Format(...))`` once for each.

    A :class:`~briefconv.plugins.Format` has a ``name`` (what ``-f``/``-t`` take),
    optional ``aliases``, the file ``extensions`` it owns (the first one names output
    files), and a ``reader`` (``bytes, options -> Document``), a ``writer``
    (``Document, options -> bytes``) or both.  ``binary`` says whether the written
    bytes are text; ``sniff`` (``bytes -> bool``) tells files of a shared extension
    apart.  Import heavy libraries inside ``reader`` and ``writer``, not at module
    level, so that other conversions stay fast; ``briefconv.lazy("pkg.mod:func")``
    declares a reader or writer whose module is imported only when it runs.  A name
    or alias that an earlier plugin (a built-in, say) already has is refused with a
    warning; extensions may be shared (detection asks each format's ``sniff``, in
    loading order).
    """


@hookspec
def briefconv_register_filters(register: Callable[[Filter], None]) -> None:
    """Provide filters: call ``register(Filter(...))`` once for each.

    A :class:`~briefconv.plugins.Filter` transforms a document between reading and
    writing (``Document, options -> Document``).  Filters run only when the user asks
    for them by name (``--filter NAME``), in the order given.
    """
