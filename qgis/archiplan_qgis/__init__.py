"""archiplan for QGIS: a Processing provider ("archiplan") with four algorithms."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    from .plugin import ArchiplanPlugin

    return ArchiplanPlugin(iface)
