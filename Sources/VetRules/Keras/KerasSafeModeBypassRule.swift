import VetBytes
import VetFixtures
import VetCore
import VetKeras

/// A config uses one of the shapes of the known Keras safe-mode bypasses.
public enum KerasSafeModeBypassRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "keras_safe_mode_bypass", severity: .high,
        title: "Keras config imports or calls something safe_mode does not stop",
        description: """
        Keras rebuilds every object of a config by importing `module` and looking up `class_name` (or, for \
        `"class_name": "function"`, the function named in `config`). Keras before 3.9 imported any module this \
        way, so `{"module": "os", "class_name": "function", "config": "system"}` ran commands even with \
        `safe_mode=True` (CVE-2025-1550). Later bypasses used functions inside Keras itself, called by a Lambda \
        layer with arguments from the config: `keras.config.enable_unsafe_deserialization` or \
        `set_global_attribute` to switch safe mode off before a code-carrying Lambda (CVE-2025-9906), \
        `keras.utils.get_file` to download and overwrite files (CVE-2025-8747), `keras.models.load_model` with \
        `safe_mode: false` on a second file, `TFSMLayer` loading an external SavedModel (CVE-2026-1462), and \
        `TorchModuleWrapper`, whose config carries a base64 `torch.save` payload that Keras 3.11 and later \
        `torch.load` without weights-only protection (CVE-2025-49655 in 3.11.0-3.11.2 even with safe mode); \
        that payload is decoded and scanned like any pickle. \
        This rule reports objects from modules that run commands or code, function references outside the \
        Keras packages, and these gadgets.
        """,
        remediation: """
        Do not load the model. Upgrade Keras (3.13.2 or later) and keep `safe_mode=True`; report the file to \
        the hub that serves it.
        """,
        references: ["CVE-2025-1550", "CVE-2025-9906", "CVE-2025-8747", "CVE-2026-1462", "CVE-2025-49655",
                     "https://github.com/keras-team/keras/security/advisories/GHSA-48g7-3x6r-xfhp", "CWE-502"],
        examples: [
            RuleExample("an activation that is os.system (CVE-2025-1550 shape)", fileName: "model.keras", triggers: true) {
                KerasExample.archive(layers: [KerasExample.dense(activation:
                    #"{"module": "os", "class_name": "function", "config": "system", "registered_name": "function"}"#)])
            },
            RuleExample("a Lambda calling keras.config.enable_unsafe_deserialization (CVE-2025-9906 shape)",
                        fileName: "model.keras", triggers: true) {
                KerasExample.archive(layers: [KerasExample.functionLambda(module: "keras.config", function: "enable_unsafe_deserialization")])
            },
            RuleExample("a Lambda calling keras.utils.get_file (CVE-2025-8747 shape)", fileName: "model.keras", triggers: true) {
                KerasExample.archive(layers: [KerasExample.functionLambda(module: "keras.utils", function: "get_file")])
            },
            RuleExample("a TorchModuleWrapper layer carrying a base64 torch.save payload", fileName: "model.keras", triggers: true) {
                KerasExample.archive(layers: [KerasExample.torchModule(PickleAssembler.callPickle("builtins", "print", ["modelvet-example"],
                                                                                                  protocolVersion: 2))])
            },
            RuleExample("an activation that is keras.activations.relu", fileName: "model.keras", triggers: false) {
                KerasExample.archive(layers: [KerasExample.dense(activation:
                    #"{"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"}"#)])
            },
        ])

    /// Modules whose objects run commands, code or I/O the moment they are called.
    static let dangerousModules = [
        "os", "posix", "nt", "subprocess", "sys", "shutil", "socket", "importlib", "runpy", "pickle", "marshal",
        "ctypes", "pty", "code", "codeop", "webbrowser", "urllib", "http", "requests", "ftplib", "smtplib",
        "telnetlib", "tempfile", "pathlib", "io", "multiprocessing", "threading", "signal", "commands", "platform",
    ]
    /// Builtins that evaluate code or reach objects by name.
    static let dangerousBuiltins: Set<String> = [
        "eval", "exec", "compile", "__import__", "open", "getattr", "setattr", "delattr", "globals", "locals",
        "vars", "input", "breakpoint", "help", "exit", "quit",
    ]
    /// Functions and classes that switch safe mode off, load other files or touch the network or disk.
    static let gadgets: Set<String> = [
        "enable_unsafe_deserialization", "set_global_attribute", "get_file", "load_model", "load_weights",
        "save_model", "TFSMLayer", "TFSMLayerV2", "py_function", "numpy_function", "py_func", "read_file",
        "write_file", "system", "popen",
    ]

    /// Reports bypass shapes; returns the paths of the objects it reported, so other rules skip them.
    @discardableResult
    static func check(_ analysis: KerasConfigAnalysis, site: KerasRules.ConfigSite, into sink: inout FindingSink) -> Set<String> {
        var flagged: Set<String> = []
        for object in analysis.objects {
            let function = object.className == "function" ? object.config?.string : nil
            let callable = function ?? object.className
            let target = (object.module.map { $0 + "." } ?? "") + callable
            guard let reason = reason(module: object.module, callable: callable, isFunction: function != nil) else { continue }
            flagged.insert(object.path)
            sink.report(descriptor, "\(site.describe(object.path)): loading \(reason) `\(target)`",
                        at: site.location(object.offset), evidence: target)
        }
        for module in analysis.torchModules where flagged.insert(module.path).inserted {
            let what = module.payload.map { "a \($0.count)-byte torch.save payload" } ?? "a module that is not valid base64"
            sink.report(descriptor, "\(site.describe(module.path)): TorchModuleWrapper layer carries \(what), which Keras 3.11+ loads with torch.load(weights_only=False); the payload is scanned as a member",
                        at: site.location(module.offset), evidence: module.layerName ?? "TorchModuleWrapper")
        }
        for lambda in analysis.lambdas {
            // Keras 3 references are objects already checked above, at the same path.
            guard let reference = lambda.functionReference, !flagged.contains(lambda.path) else { continue }
            let parts = reference.split(separator: ".").map(String.init)
            let module = parts.count > 1 ? parts.dropLast().joined(separator: ".") : nil
            // Keras 2 resolves these in already-imported modules only, so plain user functions are not flagged.
            guard let reason = reason(module: module, callable: parts.last ?? reference, isFunction: false),
                  flagged.insert(lambda.path).inserted else { continue }
            sink.report(descriptor, "\(site.describe(lambda.path)): Lambda layer calls \(reason) `\(reference)`",
                        at: site.location(lambda.offset), evidence: reference)
        }
        return flagged
    }

    /// Why referencing `module.callable` is a bypass shape, or `nil` when it is not.
    static func reason(module: String?, callable: String, isFunction: Bool) -> String? {
        if gadgets.contains(callable), module.map({ KerasPackages.isAllowed(module: $0) }) ?? true {
            return "a Keras or TensorFlow function that disables safe mode, loads files or reaches the network"
        }
        guard let module else { return nil }
        if dangerousModules.contains(where: { module == $0 || module.hasPrefix($0 + ".") }) {
            return "an object from a module that runs commands or code"
        }
        if module == "builtins", dangerousBuiltins.contains(callable) { return "a builtin that evaluates code" }
        if isFunction, !KerasPackages.isAllowed(module: module) {
            return "a function imported from outside the Keras packages"
        }
        return nil
    }
}
