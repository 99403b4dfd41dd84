"""``dask worker --preload`` for tests: a document named ``…hang.md`` never finishes.

The client sends ``briefconv.batch_workers.convert_document`` by reference, so the worker runs
whatever that name holds in its own process: here, the real function, except for one
pathological document (as no real input is known to hang the converters).
"""

import time

from briefconv import batch_workers


def convert_or_hang(name, *args):
    if name.endswith("hang.md"):
        time.sleep(600)
    return convert_or_hang.real(name, *args)


# dask may import a preload more than once in a process: wrap the real function only
convert_or_hang.real = getattr(batch_workers.convert_document, "real", batch_workers.convert_document)
batch_workers.convert_document = convert_or_hang
