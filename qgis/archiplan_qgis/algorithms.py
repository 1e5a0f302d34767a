"""The provider's algorithms: each runs the archiplan command line, so QGIS gets exactly what
the CLI writes (plan folders audited with `--check`, the same exit codes and messages).

Data come either as a data-set folder (DATA) or as vector layers (ISLANDS, SETTLEMENTS,
FERRIES, and optionally FACILITIES and PORTS), which are written as GeoJSON in EPSG:4326 into a
temporary folder first, so layers in any CRS and any format QGIS reads can be planned.
"""

import json
import os
import shutil
import subprocess
import tempfile
import threading

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputBoolean,
    QgsProcessingOutputFolder,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsSettings,
    QgsVectorFileWriter,
)

STYLES = os.path.join(os.path.dirname(__file__), "styles")
SETTING = "archiplan/binary"
EXIT_MEANING = {1: "internal error", 2: "invalid input or usage", 3: "no feasible plan"}
# The plan folder's layers, in the order they are added to the project (top last).
PLAN_LAYERS = ("islands", "routes", "assignments", "settlements", "facilities")
# Every algorithm instance's style post-processors must outlive the algorithm run.
_KEEP = []


def archiplan_binary():
    """The archiplan command: $ARCHIPLAN_BIN, the setting `archiplan/binary`, or PATH."""
    for candidate in (os.environ.get("ARCHIPLAN_BIN"), QgsSettings().value(SETTING, "")):
        if candidate:
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
            raise QgsProcessingException(f"archiplan binary {candidate!r} is not an executable file")
    found = shutil.which("archiplan")
    if found:
        return found
    raise QgsProcessingException(
        "the archiplan command was not found: install it (`cargo install --path .` in the "
        "archiplan source), or set the environment variable ARCHIPLAN_BIN, or the QGIS setting "
        f"{SETTING}, to its path")


class StyleLayer(QgsProcessingLayerPostProcessorInterface):
    """Applies a QML style to a result layer once it is in the project."""

    def __init__(self, qml):
        super().__init__()
        self.qml = qml

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        message, ok = layer.loadNamedStyle(self.qml)
        if not ok:
            feedback.reportError(f"{layer.name()}: style {self.qml} not applied: {message}")
        layer.triggerRepaint()


class _Algorithm(QgsProcessingAlgorithm):
    """What the four algorithms share: the command, the data inputs, running it."""

    def createInstance(self):  # noqa: N802
        return type(self)()

    def group(self):
        return ""

    def groupId(self):  # noqa: N802
        return ""

    # ----- data: a folder or layers -----

    def add_data_parameters(self):
        self.addParameter(QgsProcessingParameterFile(
            "DATA", "Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...)",
            behavior=QgsProcessingParameterFile.Folder, optional=True))
        for name, label, kind, optional in [
            ("ISLANDS", "Islands (polygons), if no folder", QgsProcessing.TypeVectorPolygon, True),
            ("SETTLEMENTS", "Settlements (points), if no folder", QgsProcessing.TypeVectorPoint, True),
            ("FERRIES", "Ferry routes and bridges (lines), if no folder", QgsProcessing.TypeVectorLine, True),
            ("FACILITIES", "Facilities (points), optional", QgsProcessing.TypeVectorPoint, True),
            ("PORTS", "Ports and piers (points), optional", QgsProcessing.TypeVectorPoint, True),
        ]:
            self.addParameter(QgsProcessingParameterFeatureSource(name, label, [kind], optional=optional))

    def data_folder(self, parameters, context, feedback):
        folder = self.parameterAsFile(parameters, "DATA", context)
        if folder:
            return folder
        sources = {name: self.parameterAsSource(parameters, name.upper(), context)
                   for name in ("islands", "settlements", "ferries", "facilities", "ports")}
        missing = [n for n in ("islands", "settlements", "ferries") if sources[n] is None]
        if missing:
            raise QgsProcessingException(
                "give a data-set folder (DATA) or at least the islands, settlements and ferries "
                f"layers; missing: {', '.join(missing)}")
        folder = tempfile.mkdtemp(prefix="archiplan-layers-")
        wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
        for name, source in sources.items():
            if source is None:
                continue
            # Feature sources, read in the algorithm's own thread, reprojected as they are read.
            path = os.path.join(folder, f"{name}.geojson")
            options = QgsVectorFileWriter.SaveVectorOptions()
            options.driverName = "GeoJSON"
            options.fileEncoding = "UTF-8"
            writer = QgsVectorFileWriter.create(path, source.fields(), source.wkbType(), wgs84,
                                                context.transformContext(), options)
            if writer.hasError() != QgsVectorFileWriter.NoError:
                raise QgsProcessingException(f"{name}: could not write {path}: {writer.errorMessage()}")
            request = QgsFeatureRequest().setDestinationCrs(wgs84, context.transformContext())
            count = 0
            for feature in source.getFeatures(request):
                if feedback.isCanceled():
                    raise QgsProcessingException("cancelled")
                writer.addFeature(feature)
                count += 1
            del writer  # flushes and closes the file
            feedback.pushInfo(f"{name}: {count} features -> {path}")
        return folder

    # ----- running the command -----

    def run_archiplan(self, args, feedback, ok_codes=(0,)):
        """Runs archiplan with `args`, relaying its log to the feedback; cancelling stops it.
        Returns (exit code, stdout); an exit code outside `ok_codes` is an exception that
        carries the command's own message."""
        command = [archiplan_binary(), *[str(a) for a in args]]
        feedback.pushCommandInfo(" ".join(command))
        log, chunks = [], []
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              encoding="utf-8", errors="replace") as proc:

            def relay():
                for line in proc.stderr:
                    log.append(line.rstrip("\n"))
                    feedback.pushConsoleInfo(line.rstrip("\n"))

            readers = [threading.Thread(target=relay, daemon=True),
                       threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True)]
            for r in readers:
                r.start()
            while proc.poll() is None:
                if feedback.isCanceled():
                    proc.kill()
                    proc.wait()
                    raise QgsProcessingException("cancelled")
                try:
                    proc.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
            for r in readers:
                r.join()
        stdout = "".join(chunks)
        if proc.returncode not in ok_codes:
            meaning = EXIT_MEANING.get(proc.returncode, "failed")
            tail = "\n".join(log[-30:]) or stdout[-3000:]
            raise QgsProcessingException(f"archiplan exited with {proc.returncode} ({meaning}):\n{tail}")
        return proc.returncode, stdout

    def load_layer(self, context, path, name, style):
        """Adds `path` to the project when the algorithm finishes, styled with `style`."""
        details = QgsProcessingContext.LayerDetails(name, context.project(), name)
        qml = os.path.join(STYLES, f"{style}.qml")
        if os.path.exists(qml):
            post = StyleLayer(qml)
            _KEEP.append(post)
            details.setPostProcessor(post)
        context.addLayerToLoadOnCompletion(path, details)


class ValidateDataSet(_Algorithm):
    def name(self):
        return "validate"

    def displayName(self):  # noqa: N802
        return "Validate data set"

    def shortHelpString(self):  # noqa: N802
        return ("Runs every check of `archiplan validate` on a data-set folder or on layers: "
                "each error and warning names the layer, the feature and the field.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_data_parameters()
        self.addOutput(QgsProcessingOutputBoolean("VALID", "Valid"))
        self.addOutput(QgsProcessingOutputNumber("ERRORS", "Errors"))
        self.addOutput(QgsProcessingOutputNumber("WARNINGS", "Warnings"))
        self.addOutput(QgsProcessingOutputNumber("POPULATION", "Residents of the planned islands"))
        self.addOutput(QgsProcessingOutputString("REPORT", "Report (JSON)"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        folder = self.data_folder(parameters, context, feedback)
        _, stdout = self.run_archiplan(["validate", folder, "--json"], feedback, ok_codes=(0, 2))
        report = json.loads(stdout)
        for e in report["errors"]:
            feedback.reportError(_diagnostic(e), False)
        for w in report["warnings"]:
            feedback.pushWarning(_diagnostic(w))
        return {"VALID": bool(report["ok"]), "ERRORS": len(report["errors"]),
                "WARNINGS": len(report["warnings"]), "POPULATION": report.get("population", 0),
                "REPORT": stdout}


def _diagnostic(d):
    where = d.get("file", "")
    if d.get("feature") is not None:
        where += f" feature {d['feature']}"
    if d.get("id"):
        where += f" (id {d['id']})"
    if d.get("field"):
        where += f" field `{d['field']}`"
    return f"{where}: {d.get('message', '')}"


class PlanServices(_Algorithm):
    def name(self):
        return "plan"

    def displayName(self):  # noqa: N802
        return "Plan services"

    def shortHelpString(self):  # noqa: N802
        return ("Plans every service of a scenario (default: the template) at least annual cost "
                "to its standards and targets (`archiplan plan`), audits the plan independently "
                "and adds its layers to the project: facilities, settlements, assignments, "
                "islands and routes, coloured as archiplan's maps.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_data_parameters()
        self.addParameter(QgsProcessingParameterFile(
            "SCENARIO", "Scenario (.toml); empty: the template", extension="toml", optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "TIME_LIMIT", "Time limit of the whole plan (s); empty: prove optimality",
            QgsProcessingParameterNumber.Double, optional=True, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "THREADS", "Threads; empty: all cores", QgsProcessingParameterNumber.Integer,
            optional=True, minValue=1))
        self.addParameter(QgsProcessingParameterBoolean(
            "CHECK", "Audit the plan before it is written", defaultValue=True))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Plan folder"))
        for layer in PLAN_LAYERS:
            self.addOutput(QgsProcessingOutputVectorLayer(layer.upper(), layer.capitalize()))
        self.addOutput(QgsProcessingOutputNumber("COST", "Annual cost (CNY)"))
        self.addOutput(QgsProcessingOutputNumber("GAP", "Proven optimality gap"))
        self.addOutput(QgsProcessingOutputString("STATUS", "Status"))
        self.addOutput(QgsProcessingOutputNumber("TARGETS", "Targets"))
        self.addOutput(QgsProcessingOutputNumber("TARGETS_MET", "Targets met"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        folder = self.data_folder(parameters, context, feedback)
        out = self.parameterAsString(parameters, "OUTPUT", context)
        args = ["plan", folder, "-o", out, "--json", "--quiet"]
        scenario = self.parameterAsFile(parameters, "SCENARIO", context)
        if scenario:
            args += ["--scenario", scenario]
        if parameters.get("TIME_LIMIT") not in (None, ""):
            args += ["--time-limit", self.parameterAsDouble(parameters, "TIME_LIMIT", context)]
        if parameters.get("THREADS") not in (None, ""):
            args += ["--threads", self.parameterAsInt(parameters, "THREADS", context)]
        if self.parameterAsBool(parameters, "CHECK", context):
            args.append("--check")
        _, stdout = self.run_archiplan(args, feedback)
        summary = json.loads(stdout)
        results = {"OUTPUT": out, "COST": summary["cost"], "GAP": summary["gap"],
                   "STATUS": summary["status"], "TARGETS": len(summary["targets"]),
                   "TARGETS_MET": sum(1 for t in summary["targets"] if t["met"])}
        feedback.pushInfo(f"{summary['cost']:,.0f} CNY/yr, {summary['status']}, gap "
                          f"{summary['gap']:.2%}, {results['TARGETS_MET']}/{results['TARGETS']} targets met")
        for layer in PLAN_LAYERS:
            path = os.path.join(out, f"{layer}.geojson")
            results[layer.upper()] = path
            self.load_layer(context, path, layer, layer)
        return results


class RunSweep(_Algorithm):
    def name(self):
        return "sweep"

    def displayName(self):  # noqa: N802
        return "Run sweep"

    def shortHelpString(self):  # noqa: N802
        return ("Plans every scenario of a sweep file (relocation shares, target years, ...) in "
                "parallel (`archiplan sweep`) and adds the results table, one row per scenario.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "DATA", "Data-set folder", behavior=QgsProcessingParameterFile.Folder))
        self.addParameter(QgsProcessingParameterFile("SWEEP", "Sweep file (.toml)", extension="toml"))
        self.addParameter(QgsProcessingParameterNumber(
            "THREADS", "Threads; empty: all cores", QgsProcessingParameterNumber.Integer,
            optional=True, minValue=1))
        self.addParameter(QgsProcessingParameterBoolean(
            "CHECK", "Audit each plan before it is written", defaultValue=True))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Sweep folder"))
        self.addOutput(QgsProcessingOutputVectorLayer("RESULTS", "Results table"))
        self.addOutput(QgsProcessingOutputNumber("SCENARIOS", "Scenarios"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        data = self.parameterAsFile(parameters, "DATA", context)
        sweep = self.parameterAsFile(parameters, "SWEEP", context)
        out = self.parameterAsString(parameters, "OUTPUT", context)
        args = ["sweep", data, "--sweep", sweep, "-o", out, "--json", "--quiet"]
        if parameters.get("THREADS") not in (None, ""):
            args += ["--threads", self.parameterAsInt(parameters, "THREADS", context)]
        if self.parameterAsBool(parameters, "CHECK", context):
            args.append("--check")
        _, stdout = self.run_archiplan(args, feedback)
        rows = json.loads(stdout)
        path = os.path.join(out, "results.csv")
        self.load_layer(context, path, "sweep results", "results")
        return {"OUTPUT": out, "RESULTS": path, "SCENARIOS": len(rows)}


class CheckPlan(_Algorithm):
    def name(self):
        return "check"

    def displayName(self):  # noqa: N802
        return "Check plan"

    def shortHelpString(self):  # noqa: N802
        return ("Audits a plan folder (or a sweep or phased folder) against the data and the "
                "scenario by routes that share no planning code (`archiplan check`): travel "
                "times, coverage, capacities, costs and targets re-derived.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "DATA", "Data-set folder", behavior=QgsProcessingParameterFile.Folder))
        self.addParameter(QgsProcessingParameterFile(
            "PLAN", "Plan folder", behavior=QgsProcessingParameterFile.Folder))
        self.addParameter(QgsProcessingParameterFile(
            "SCENARIO", "Scenario (.toml); empty: the template", extension="toml", optional=True))
        self.addOutput(QgsProcessingOutputBoolean("OK", "The plan agrees with the audit"))
        self.addOutput(QgsProcessingOutputString("REPORT", "Audit (JSON)"))
        self.addOutput(QgsProcessingOutputFolder("PLAN", "Plan folder"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        data = self.parameterAsFile(parameters, "DATA", context)
        plan = self.parameterAsFile(parameters, "PLAN", context)
        args = ["check", data, plan, "--json"]
        scenario = self.parameterAsFile(parameters, "SCENARIO", context)
        if scenario:
            args += ["--scenario", scenario]
        code, stdout = self.run_archiplan(args, feedback, ok_codes=(0, 2))
        try:
            report = json.loads(stdout)
        except ValueError:
            raise QgsProcessingException(f"archiplan check exited with {code}: {stdout[-2000:]}")
        if not report.get("ok"):
            for d in report.get("disagreements", []):
                feedback.reportError(json.dumps(d, ensure_ascii=False), False)
        return {"OK": bool(report.get("ok")), "REPORT": stdout, "PLAN": plan}
