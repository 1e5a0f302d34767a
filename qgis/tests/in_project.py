"""Runs an archiplan algorithm as the QGIS desktop does (processing.runAndLoadResults into a
project), headless, and prints what the project then holds as JSON: each layer's name,
feature count, fields, and the expression its symbol's colour is drawn with.

    QT_QPA_PLATFORM=offscreen python3 qgis/tests/in_project.py ALGORITHM '{"PARAM": ...}'

Run with QGIS's own Python (Debian's python3-qgis); the test in test_qgis.py calls it.
"""

import json
import os
import sys

sys.path[:0] = ["/usr/share/qgis/python/plugins",
                os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")]

from qgis.core import (  # noqa: E402
    QgsApplication, QgsExpressionContext, QgsExpressionContextUtils, QgsProject, QgsSymbolLayer,
)
from qgis.PyQt.QtGui import QColor  # noqa: E402

app = QgsApplication([], False)
app.initQgis()

import processing  # noqa: E402
from processing.core.Processing import Processing  # noqa: E402

from archiplan_qgis.provider import ArchiplanProvider  # noqa: E402

Processing.initialize()
provider = ArchiplanProvider()
QgsApplication.processingRegistry().addProvider(provider)

results = processing.runAndLoadResults(sys.argv[1], json.loads(sys.argv[2]))
layers = []
for layer in QgsProject.instance().mapLayers().values():
    colour, first = None, None
    renderer = layer.renderer() if hasattr(layer, "renderer") else None
    if renderer is not None and hasattr(renderer, "symbol") and renderer.symbol() is not None:
        sl = renderer.symbol().symbolLayer(0)
        prop = sl.dataDefinedProperties().property(QgsSymbolLayer.PropertyFillColor)
        if not prop.isActive():
            prop = sl.dataDefinedProperties().property(QgsSymbolLayer.PropertyStrokeColor)
        colour = prop.expressionString() if prop.isActive() else None
        if colour is not None and layer.featureCount() > 0:
            # The colour the style gives the first feature, against its simplestyle property.
            feature = next(layer.getFeatures())
            ctx = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
            ctx.setFeature(feature)
            drawn, ok = prop.valueAsColor(ctx, QColor())
            key = next(k for k in ("marker-color", "fill", "stroke") if k in colour)
            first = {"drawn": drawn.name() if ok else None, "property": feature[key]}
    layers.append({"name": layer.name(), "features": layer.featureCount(),
                   "fields": [f.name() for f in layer.fields()], "colour": colour, "first": first,
                   "crs": layer.crs().authid(), "valid": layer.isValid()})
print(json.dumps({"results": {k: v for k, v in results.items() if isinstance(v, (str, int, float, bool))},
                  "layers": layers}))
app.exitQgis()
