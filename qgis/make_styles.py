"""Writes archiplan_qgis/styles/*.qml: QGIS styles that draw a plan's layers with the colours
archiplan writes into them (the simplestyle properties `marker-color`, `marker-size`, `fill`,
`fill-opacity`, `stroke`, `stroke-width`, `stroke-opacity`), so a plan looks the same in QGIS
as on geojson.io and in archiplan's own maps. Run with QGIS's Python after changing a style:

    QT_QPA_PLATFORM=offscreen python3 qgis/make_styles.py
"""

from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsProperty,
    QgsSingleSymbolRenderer,
    QgsSymbolLayer,
    QgsUnitTypes,
    QgsVectorLayer,
)

OUT = Path(__file__).resolve().parent / "archiplan_qgis" / "styles"

SIZE = """CASE WHEN "marker-size" = 'large' THEN 5 WHEN "marker-size" = 'small' THEN 2.4 ELSE 3.4 END"""


def alpha(colour: str, opacity: str, fallback: str) -> str:
    return (f"set_color_part(color_rgb(color_part(coalesce(\"{colour}\", '{fallback}'), 'red'), "
            f"color_part(coalesce(\"{colour}\", '{fallback}'), 'green'), "
            f"color_part(coalesce(\"{colour}\", '{fallback}'), 'blue')), 'alpha', "
            f"255 * coalesce(\"{opacity}\", 1))")


def points() -> QgsSingleSymbolRenderer:
    symbol = QgsMarkerSymbol.createSimple({"name": "circle", "outline_color": "35,35,35,255",
                                           "outline_width": "0.2"})
    layer = symbol.symbolLayer(0)
    layer.setDataDefinedProperty(QgsSymbolLayer.PropertyFillColor,
                                 QgsProperty.fromExpression("coalesce(\"marker-color\", '#7e7e7e')"))
    layer.setDataDefinedProperty(QgsSymbolLayer.PropertySize, QgsProperty.fromExpression(SIZE))
    return QgsSingleSymbolRenderer(symbol)


def opaque(colour: str, fallback: str) -> str:
    return f"coalesce(\"{colour}\", '{fallback}')"


def lines(opacity: bool = True) -> QgsSingleSymbolRenderer:
    """Lines coloured by `stroke` (and `stroke-opacity` where the layer has that field)."""
    symbol = QgsLineSymbol.createSimple({"line_color": "85,85,85,255"})
    layer = symbol.symbolLayer(0)
    layer.setWidthUnit(QgsUnitTypes.RenderPixels)
    layer.setDataDefinedProperty(QgsSymbolLayer.PropertyStrokeColor,
                                 QgsProperty.fromExpression(alpha("stroke", "stroke-opacity", "#555555")
                                                            if opacity else opaque("stroke", "#555555")))
    layer.setDataDefinedProperty(QgsSymbolLayer.PropertyStrokeWidth,
                                 QgsProperty.fromExpression('coalesce("stroke-width", 1)'))
    return QgsSingleSymbolRenderer(symbol)


def polygons() -> QgsSingleSymbolRenderer:
    symbol = QgsFillSymbol.createSimple({"color": "200,200,200,150", "outline_color": "85,85,85,255"})
    layer = symbol.symbolLayer(0)
    layer.setStrokeWidthUnit(QgsUnitTypes.RenderPixels)
    layer.setDataDefinedProperty(QgsSymbolLayer.PropertyFillColor,
                                 QgsProperty.fromExpression(alpha("fill", "fill-opacity", "#555555")))
    layer.setDataDefinedProperty(QgsSymbolLayer.PropertyStrokeColor,
                                 QgsProperty.fromExpression(alpha("stroke", "stroke-opacity", "#555555")))
    layer.setDataDefinedProperty(QgsSymbolLayer.PropertyStrokeWidth,
                                 QgsProperty.fromExpression('coalesce("stroke-width", 1)'))
    return QgsSingleSymbolRenderer(symbol)


def main() -> None:
    app = QgsApplication([], False)
    app.initQgis()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, geometry, renderer in [
        ("facilities", "Point", points), ("settlements", "Point", points),
        ("assignments", "LineString", lines), ("routes", "LineString", lambda: lines(opacity=False)),
        ("islands", "Polygon", polygons),
    ]:
        layer = QgsVectorLayer(f"{geometry}?crs=EPSG:4326", name, "memory")
        layer.setRenderer(renderer())
        message, ok = layer.saveNamedStyle(str(OUT / f"{name}.qml"))
        if not ok:
            raise SystemExit(f"{name}: {message}")
    app.exitQgis()


if __name__ == "__main__":
    main()
