"""The "archiplan" Processing provider."""

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import CheckPlan, PlanServices, RunSweep, ValidateDataSet


class ArchiplanProvider(QgsProcessingProvider):
    def loadAlgorithms(self):  # noqa: N802
        for alg in (ValidateDataSet(), PlanServices(), RunSweep(), CheckPlan()):
            self.addAlgorithm(alg)

    def id(self):
        return "archiplan"

    def name(self):
        return "archiplan"

    def longName(self):  # noqa: N802
        return "archiplan: public services for archipelagos"

    def icon(self):
        return QIcon(os.path.join(os.path.dirname(__file__), "icon.svg"))
