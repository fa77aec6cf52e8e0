import VetBytes
import VetText
/// One serialized Keras object found in a model config: a layer, a nested model, an initializer,
/// an optimizer, a function reference — anything written as `{"class_name": …, "config": …}`.
public struct KerasObject: Sendable, Equatable {
    /// `class_name` as written.
    public var className: String
    /// `module` (Keras 3 and tf.keras ≥ 2.13), when present.
    public var module: String?
    /// `registered_name` (`package>Name` for registered custom objects), when present.
    public var registeredName: String?
    /// `config` as written.
    public var config: JSONValue?
    /// Where it sits in the document, e.g. `config.layers[2].config.activation`.
    public var path: String
    /// Byte offset of its `class_name` key in the JSON text.
    public var offset: Int
    /// `config.name` when it is a string (layer names).
    public var name: String? { config?["name"]?.string }
}

/// Python code stored in a config: a Lambda layer's function (or output shape) and `__lambda__` objects.
public struct KerasLambda: Sendable, Equatable {
    /// Where the code sits in the document.
    public var path: String
    /// Byte offset of the member holding it.
    public var offset: Int
    /// The enclosing Lambda layer's name, if any.
    public var layerName: String?
    /// The code as written (base64 of `marshal.dumps(code)`), when the function is inline code.
    public var encodedCode: String?
    /// What the code decodes to, when `encodedCode` is present.
    public var code: KerasMarshalledCode?
    /// `module.function` for a Lambda that names a function instead of carrying code (Keras 2
    /// `function_type: "function"`, Keras 3 `{"class_name": "function"}`).
    public var functionReference: String?
}

/// What `KerasConfig.analyse` found in a model config.
/// A `TorchModuleWrapper` layer: its config carries a whole PyTorch module as the base64 text of
/// `torch.save` output, which Keras 3.11 and later pass to `torch.load(weights_only=False)`.
public struct KerasTorchModule: Sendable, Equatable {
    /// Where the layer is in the config.
    public var path: String
    /// Offset of its `class_name` in the config text.
    public var offset: Int
    /// The layer's name.
    public var layerName: String?
    /// The decoded `torch.save` bytes; `nil` when `module` is missing or not base64.
    public var payload: [UInt8]?
}

public struct KerasConfigAnalysis: Sendable, Equatable {
    /// `TorchModuleWrapper` layers and the modules they carry.
    public var torchModules: [KerasTorchModule] = []
    /// Every serialized object, in document order.
    public var objects: [KerasObject] = []
    /// Every piece of Python code or function reference held by a Lambda layer or a `__lambda__` object.
    public var lambdas: [KerasLambda] = []
    /// Whether the walk stopped at `maxObjects`.
    public var truncated = false

    /// Objects that are items of a `layers` list or the `layer` of a wrapper: the layers.
    public var layers: [KerasObject] {
        objects.filter { object in
            let last = object.path.split(separator: ".").last ?? ""
            return last.hasPrefix("layers[") || last == "layer"
        }
    }
}

/// Walks a Keras model config (`config.json` of a `.keras` archive, or the `model_config` attribute of a
/// legacy `.h5`) without interpreting it: every serialized object is listed, wherever it nests
/// (Functional and Sequential models, wrappers, `layers` lists, `layer` dicts, initializers, losses …).
public enum KerasConfig {
    /// Lists the serialized objects and Lambda code of `json`.
    /// - Parameters:
    ///   - json: The parsed config.
    ///   - maxObjects: Objects listed before the walk stops and reports itself truncated.
    public static func analyse(json: JSONValue, maxObjects: Int = 100_000) -> KerasConfigAnalysis {
        var walker = Walker(maxObjects: maxObjects)
        walker.visit(json, path: "", offset: 0, lambdaLayer: nil)
        return walker.result
    }

    struct Walker {
        let maxObjects: Int
        var result = KerasConfigAnalysis()

        mutating func visit(_ value: JSONValue, path: String, offset: Int, lambdaLayer: String?) {
            guard !result.truncated else { return }
            switch value {
            case let .array(items):
                for (index, item) in items.enumerated() {
                    visit(item, path: path + "[\(index)]", offset: offset, lambdaLayer: lambdaLayer)
                }
            case let .object(members):
                var inLambda = lambdaLayer
                if let classMember = members.last(where: { $0.key == "class_name" }), let className = classMember.value.string {
                    guard result.objects.count < maxObjects else { result.truncated = true; return }
                    let object = KerasObject(className: className, module: value["module"]?.string,
                                             registeredName: value["registered_name"]?.string, config: value["config"],
                                             path: path.isEmpty ? "$" : path, offset: classMember.offset)
                    result.objects.append(object)
                    if className == "__lambda__" { recordLambdaObject(object, layer: lambdaLayer) }
                    if className == "TorchModuleWrapper" || (object.registeredName ?? "").hasSuffix("TorchModuleWrapper") {
                        let encoded = object.config?["module"]?.string
                        result.torchModules.append(KerasTorchModule(path: object.path, offset: object.offset, layerName: object.name,
                                                                    payload: encoded.flatMap { Base64.decode(Array($0.utf8)) }))
                    }
                    if Self.isLambdaLayer(object) {
                        inLambda = object.name ?? "lambda"
                        recordLambdaLayer(object)
                    }
                }
                for member in members {
                    let childPath = path.isEmpty ? member.key : path + "." + member.key
                    visit(member.value, path: childPath, offset: member.offset, lambdaLayer: inLambda)
                }
            default:
                return
            }
        }

        static func isLambdaLayer(_ object: KerasObject) -> Bool {
            let name = object.registeredName ?? object.className
            return object.className == "Lambda" || name.hasSuffix(">Lambda") || name.hasSuffix(".Lambda")
        }

        /// Keras 3 `{"class_name": "__lambda__", "config": {"code": …}}` (Lambda layers) or `{"value": [code, …]}`
        /// (a lambda serialized anywhere else).
        mutating func recordLambdaObject(_ object: KerasObject, layer: String?) {
            let encoded = object.config?["code"]?.string ?? object.config?["value"]?.array?.first?.string
                ?? object.config?["value"]?.string
            result.lambdas.append(KerasLambda(path: object.path, offset: object.offset, layerName: layer,
                                              encodedCode: encoded, code: encoded.map(KerasMarshalledCode.init(base64:))))
        }

        /// Keras 1/2 Lambda configs: `function` is code (a string, or `[code, defaults, closure]`) when
        /// `function_type` is `lambda`, a function name in `module` when it is `function`.
        mutating func recordLambdaLayer(_ object: KerasObject) {
            guard let config = object.config else { return }
            for (key, typeKey) in [("function", "function_type"), ("output_shape", "output_shape_type")] {
                guard let member = config.members?.last(where: { $0.key == key }) else { continue }
                let kind = config[typeKey]?.string
                let path = object.path + ".config." + key
                var entry = KerasLambda(path: path, offset: member.offset, layerName: object.name)
                switch member.value {
                case let .string(text) where kind == "function":
                    entry.functionReference = (config["module"]?.string.map { $0 + "." } ?? "") + text
                case let .string(text) where key == "function" || kind == "lambda":
                    entry.encodedCode = text
                case let .array(items) where (key == "function" || kind == "lambda") && items.first?.string != nil:
                    entry.encodedCode = items.first?.string
                case .object where key == "function" && member.value["class_name"]?.string == "function":
                    let module = member.value["module"]?.string.map { $0 + "." } ?? ""
                    entry.functionReference = module + (member.value["config"]?.string ?? "?")
                default:
                    continue
                }
                entry.code = entry.encodedCode.map(KerasMarshalledCode.init(base64:))
                result.lambdas.append(entry)
            }
        }
    }
}
